/**
 * Where a notification belongs and where the app shows it, derived from its type and data
 * in this one place (the API, the stream and the export all show the same).
 */
export const NOTIFICATION_CATEGORIES = ['booking', 'account', 'announcement'] as const
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number]

export function categoryOf(type: string): NotificationCategory {
  if (type === 'announcement') return 'announcement'
  if (type === 'welcome' || type.startsWith('account_')) return 'account'
  // booking_* and hall_booking_*: every other type is about a booking.
  return 'booking'
}

/** The in-app types of each category, for filtering the list by category in SQL. */
export function typesOfCategory(category: NotificationCategory, types: readonly string[]): string[] {
  return types.filter((t) => categoryOf(t) === category)
}

/** A path under APP_URL: the booking for booking types, else the category's page. */
export function urlOf(type: string, data: Record<string, unknown>): string {
  const category = categoryOf(type)
  if (category === 'booking' && typeof data.bookingId === 'string') return `/bookings/${encodeURIComponent(data.bookingId)}`
  if (category === 'announcement') {
    // An announcement may name its own path in the app; only a local path is taken.
    if (typeof data.url === 'string' && /^\/(?!\/)/.test(data.url)) return data.url
    if (typeof data.announcementId === 'string') return `/announcements/${encodeURIComponent(data.announcementId)}`
    return '/notifications'
  }
  if (category === 'account') return '/account'
  return '/notifications'
}
