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
}

const texts: Record<SupportedLocale, Record<NotificationType, TextFn>> = { en, de }

export function inAppText(type: NotificationType, locale: SupportedLocale, input: InAppTextInput): { title: string; body: string } {
  return texts[locale][type](input)
}
