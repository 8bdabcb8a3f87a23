/** The in-app notification types of the contract; preferences are kept per type. */
export const NOTIFICATION_TYPES = [
  'welcome',
  'booking_confirmed',
  'hall_booking_created',
  'booking_cancelled',
  'hall_booking_cancelled',
  'announcement',
  'booking_updated',
  'hall_booking_updated',
  'booking_reminder',
] as const

export type NotificationType = (typeof NOTIFICATION_TYPES)[number]

export function isNotificationType(value: string): value is NotificationType {
  return (NOTIFICATION_TYPES as readonly string[]).includes(value)
}

/** The welcome email carries credentials or an activation link; it cannot be turned off. */
export const ALWAYS_EMAILED: ReadonlySet<NotificationType> = new Set(['welcome'])

/**
 * SMS is off unless a user turns it on for a type, except for these urgent ones, which
 * go by SMS whenever a phone number is known (until the user turns them off).
 * A `booking_updated` is texted by default only when urgent (see URGENT_WITHIN_MS); a
 * user who turns its SMS on explicitly gets every change.
 */
export const SMS_BY_DEFAULT: ReadonlySet<NotificationType> = new Set(['booking_cancelled', 'booking_updated'])

/** Types whose default SMS goes only when the booking starts (or started) within URGENT_WITHIN_MS. */
export const SMS_BY_DEFAULT_WHEN_URGENT: ReadonlySet<NotificationType> = new Set(['booking_updated'])

/** A change this close to the booking's start (the earlier of old and new) is urgent. */
export const URGENT_WITHIN_MS = 24 * 3_600_000

/** The email template each notification type is sent with. */
export const EMAIL_TEMPLATE: Record<NotificationType, string> = {
  welcome: 'welcome',
  booking_confirmed: 'booking-confirmed',
  booking_cancelled: 'booking-cancelled',
  hall_booking_created: 'hall-admin-alert',
  hall_booking_cancelled: 'hall-admin-alert',
  announcement: 'announcement',
  booking_updated: 'booking-updated',
  hall_booking_updated: 'hall-admin-alert',
  booking_reminder: 'booking-reminder',
}

/** The channels a user sets per type, as the preferences API names them. */
export const PREFERENCE_CHANNELS = ['email', 'inApp', 'push', 'sms'] as const
export type PreferenceChannel = (typeof PREFERENCE_CHANNELS)[number]

/**
 * A channel's setting for a type when the user has not chosen: on, except SMS, which
 * costs money and interrupts — only a cancellation (a booking the recipient may be on the
 * way to) is texted by default, and only where a phone number is known.
 */
export function defaultSetting(type: NotificationType, channel: PreferenceChannel): boolean {
  if (channel === 'sms') return SMS_BY_DEFAULT.has(type)
  return true
}
