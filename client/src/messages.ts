import type { NotificationType } from './api.js'

export const LANGUAGES = ['en', 'de'] as const
export type Language = (typeof LANGUAGES)[number]

const en = {
  notifications: 'Notifications',
  bell: (unseen: number) => (unseen === 0 ? 'Notifications, none new' : `Notifications, ${unseen} new`),
  markAllRead: 'Mark all read',
  seeAll: 'See all notifications',
  empty: 'No notifications',
  markRead: (title: string) => `Mark read: ${title}`,
  markUnread: (title: string) => `Mark unread: ${title}`,
  archive: (title: string) => `Archive: ${title}`,
  unarchive: (title: string) => `Restore from archive: ${title}`,
  remove: (title: string) => `Delete: ${title}`,
  select: (title: string) => `Select: ${title}`,
  unread: 'Unread',
  newNotification: (title: string) => `New notification: ${title}`,
  offline: 'Reconnecting…',
  failed: 'That did not work. Please try again.',
  filters: 'Filters',
  status: 'Status',
  statusOptions: { all: 'All', unread: 'Unread', read: 'Read' },
  category: 'Category',
  categoryOptions: { '': 'All', booking: 'Bookings', account: 'Account', announcement: 'Announcements' },
  type: 'Type',
  anyType: 'All types',
  archived: 'Archive',
  archivedOptions: { false: 'Inbox', true: 'Archived', all: 'Both' },
  selectAll: 'Select all shown',
  selected: (n: number) => `${n} selected`,
  bulkRead: 'Mark selected read',
  bulkArchive: 'Archive selected',
  bulkDelete: 'Delete selected',
  loadMore: 'Load more',
  loading: 'Loading…',
  end: 'That is all.',
  types: {
    welcome: 'Welcome',
    booking_confirmed: 'Booking confirmed',
    hall_booking_created: 'New hall booking',
    booking_cancelled: 'Booking cancelled',
    hall_booking_cancelled: 'Hall booking cancelled',
    announcement: 'Announcement',
    booking_updated: 'Booking changed',
    hall_booking_updated: 'Hall booking changed',
    booking_reminder: 'Booking reminder',
  } satisfies Record<NotificationType, string> as Record<string, string>,
}

export type Messages = typeof en

const de: Messages = {
  notifications: 'Benachrichtigungen',
  bell: (unseen) => (unseen === 0 ? 'Benachrichtigungen, keine neuen' : `Benachrichtigungen, ${unseen} neu`),
  markAllRead: 'Alle als gelesen markieren',
  seeAll: 'Alle Benachrichtigungen ansehen',
  empty: 'Keine Benachrichtigungen',
  markRead: (title) => `Als gelesen markieren: ${title}`,
  markUnread: (title) => `Als ungelesen markieren: ${title}`,
  archive: (title) => `Archivieren: ${title}`,
  unarchive: (title) => `Aus dem Archiv holen: ${title}`,
  remove: (title) => `Löschen: ${title}`,
  select: (title) => `Auswählen: ${title}`,
  unread: 'Ungelesen',
  newNotification: (title) => `Neue Benachrichtigung: ${title}`,
  offline: 'Verbindung wird wiederhergestellt…',
  failed: 'Das hat nicht geklappt. Bitte noch einmal versuchen.',
  filters: 'Filter',
  status: 'Status',
  statusOptions: { all: 'Alle', unread: 'Ungelesen', read: 'Gelesen' },
  category: 'Kategorie',
  categoryOptions: { '': 'Alle', booking: 'Buchungen', account: 'Konto', announcement: 'Ankündigungen' },
  type: 'Art',
  anyType: 'Alle Arten',
  archived: 'Archiv',
  archivedOptions: { false: 'Posteingang', true: 'Archiviert', all: 'Beides' },
  selectAll: 'Alle angezeigten auswählen',
  selected: (n) => `${n} ausgewählt`,
  bulkRead: 'Ausgewählte als gelesen markieren',
  bulkArchive: 'Ausgewählte archivieren',
  bulkDelete: 'Ausgewählte löschen',
  loadMore: 'Mehr laden',
  loading: 'Wird geladen…',
  end: 'Das ist alles.',
  types: {
    welcome: 'Willkommen',
    booking_confirmed: 'Buchung bestätigt',
    hall_booking_created: 'Neue Saalbuchung',
    booking_cancelled: 'Buchung storniert',
    hall_booking_cancelled: 'Saalbuchung storniert',
    announcement: 'Ankündigung',
    booking_updated: 'Buchung geändert',
    hall_booking_updated: 'Saalbuchung geändert',
    booking_reminder: 'Erinnerung an Buchung',
  } satisfies Record<NotificationType, string>,
}

const catalog: Record<Language, Messages> = { en, de }

/** The element's `lang`, else the nearest one on the page, else the browser's; English when unsupported. */
export function languageOf(element: Element): Language {
  const wanted = element.closest('[lang]')?.getAttribute('lang') || globalThis.navigator?.language || 'en'
  const base = wanted.toLowerCase().split('-')[0] as Language
  return LANGUAGES.includes(base) ? base : 'en'
}

export const messages = (language: Language): Messages => catalog[language]

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31_536_000],
  ['month', 2_592_000],
  ['week', 604_800],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
]

/** "3 minutes ago" / "vor 3 Minuten", in the user's language. */
export function relativeTime(iso: string, language: Language, now = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000
  const format = new Intl.RelativeTimeFormat(language, { numeric: 'auto' })
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') return format.format(Math.round(seconds / size), unit)
  }
  return ''
}
