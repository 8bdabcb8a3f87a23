import type { NotificationType } from './notification-types.js'
import type { SupportedLocale } from './format-time.js'

/** What an in-app text is written from; plain text, the frontend escapes it when it shows it. */
export interface InAppTextInput {
  recipientName: string
  bookingTitle?: string
  hallName?: string
  when?: string
  bookerName?: string
  cancelledByName?: string
  reason?: string
  /** An announcement's own title and text, written by an operator in one language. */
  title?: string
  body?: string
  /** The booking's time before a change (booking.updated). */
  previousWhen?: string
  /** The new hall's name when a change moved the booking to another hall. */
  movedToHall?: string
  /** "in 24 hours": how soon a reminded booking starts. */
  startsIn?: string
}

type TextFn = (input: InAppTextInput) => { title: string; body: string }

const en: Record<NotificationType, TextFn> = {
  welcome: (i) => ({ title: 'Welcome to BookIT', body: `Hi ${i.recipientName}, your account is ready. Check your email to sign in.` }),
  booking_confirmed: (i) => ({ title: `Booking confirmed: ${i.bookingTitle}`, body: `${i.hallName}, ${i.when}` }),
  hall_booking_created: (i) => ({ title: `New booking in ${i.hallName}`, body: `${i.bookerName} booked "${i.bookingTitle}" for ${i.when}` }),
  booking_cancelled: (i) => ({
    title: `Booking cancelled: ${i.bookingTitle}`,
    body: `${i.hallName}, ${i.when}. Cancelled by ${i.cancelledByName}${i.reason ? `: ${i.reason}` : '.'}`,
  }),
  hall_booking_cancelled: (i) => ({
    title: `Booking cancelled in ${i.hallName}`,
    body: `"${i.bookingTitle}" (${i.when}) was cancelled by ${i.cancelledByName}${i.reason ? `: ${i.reason}` : '.'}`,
  }),
  announcement: (i) => ({ title: i.title ?? '', body: i.body ?? '' }),
  booking_updated: (i) => ({
    title: `Booking changed: ${i.bookingTitle}`,
    body: `${i.hallName}, now ${i.when} (was ${i.previousWhen})${i.movedToHall ? `. Moved to ${i.movedToHall}.` : ''}`,
  }),
  hall_booking_updated: (i) => ({
    title: `Booking changed in ${i.hallName}`,
    body: `"${i.bookingTitle}" by ${i.bookerName} is now ${i.when} (was ${i.previousWhen})${i.movedToHall ? `, moved to ${i.movedToHall}.` : ''}`,
  }),
  booking_reminder: (i) => ({ title: `Reminder: ${i.bookingTitle}`, body: `Starts ${i.startsIn}: ${i.hallName}, ${i.when}` }),
}

const de: Record<NotificationType, TextFn> = {
  welcome: (i) => ({ title: 'Willkommen bei BookIT', body: `Hallo ${i.recipientName}, Ihr Konto ist bereit. Die Anmeldedaten finden Sie in Ihrer E-Mail.` }),
  booking_confirmed: (i) => ({ title: `Buchung bestätigt: ${i.bookingTitle}`, body: `${i.hallName}, ${i.when}` }),
  hall_booking_created: (i) => ({ title: `Neue Buchung in ${i.hallName}`, body: `${i.bookerName} hat „${i.bookingTitle}“ gebucht: ${i.when}` }),
  booking_cancelled: (i) => ({
    title: `Buchung storniert: ${i.bookingTitle}`,
    body: `${i.hallName}, ${i.when}. Storniert von ${i.cancelledByName}${i.reason ? `: ${i.reason}` : '.'}`,
  }),
  hall_booking_cancelled: (i) => ({
    title: `Buchung storniert in ${i.hallName}`,
    body: `„${i.bookingTitle}“ (${i.when}) wurde von ${i.cancelledByName} storniert${i.reason ? `: ${i.reason}` : '.'}`,
  }),
  announcement: (i) => ({ title: i.title ?? '', body: i.body ?? '' }),
  booking_updated: (i) => ({
    title: `Buchung geändert: ${i.bookingTitle}`,
    body: `${i.hallName}, jetzt ${i.when} (vorher ${i.previousWhen})${i.movedToHall ? `. Verlegt nach ${i.movedToHall}.` : ''}`,
  }),
  hall_booking_updated: (i) => ({
    title: `Buchung geändert in ${i.hallName}`,
    body: `„${i.bookingTitle}“ von ${i.bookerName} ist jetzt ${i.when} (vorher ${i.previousWhen})${i.movedToHall ? `, verlegt nach ${i.movedToHall}.` : ''}`,
  }),
  booking_reminder: (i) => ({ title: `Erinnerung: ${i.bookingTitle}`, body: `Beginnt ${i.startsIn}: ${i.hallName}, ${i.when}` }),
}

const texts: Record<SupportedLocale, Record<NotificationType, TextFn>> = { en, de }

export function inAppText(type: NotificationType, locale: SupportedLocale, input: InAppTextInput): { title: string; body: string } {
  return texts[locale][type](input)
}
