import type { BookingCreated, BookingUpdated, PersonData } from './events.js'
import { formatLeadTime, formatTimeRange, pickLocale } from './format-time.js'
import { inAppText } from './in-app-text.js'
import { type Delivery, type DisabledChannels, type Effects, type PushSubscriptionIds, bookingData, disabledKey, pushesFor, smsFor, wantsSms } from './plan-effects.js'
import { EMAIL_TEMPLATE } from './notification-types.js'

/** The scheduled job kind of a booking reminder. */
export const REMINDER_JOB = 'booking-reminder'

/** What a reminder job holds: the booking as its winning event described it, and its offset. */
export interface ReminderPayload {
  bookingId: string
  offsetMs: number
  booking: BookingCreated['booking']
  hall: BookingCreated['hall']
  user: PersonData
}

/** One reminder per (booking, offset): the unique key of its job (the offset first: digits, so unambiguous). */
export const reminderKey = (bookingId: string, offsetMs: number) => `${offsetMs}:${bookingId}`

export interface ReminderPlan {
  /** Offsets still ahead: a job each, due at `dueAt`. */
  due: { offsetMs: number; dueAt: Date; payload: ReminderPayload }[]
  /** Offsets already passed when the booking (or its change) arrived: no reminder. */
  skipped: number[]
}

/**
 * When a booking's reminders go out: `startsAt − offset` for each offset, an instant (the
 * hall's zone matters only for how the time is shown). An offset whose time has already
 * come at `now` is skipped, not sent late.
 */
export function planReminders(data: BookingCreated | BookingUpdated, offsetsMs: readonly number[], now: Date): ReminderPlan {
  const start = Date.parse(data.booking.startsAt)
  const plan: ReminderPlan = { due: [], skipped: [] }
  for (const offsetMs of offsetsMs) {
    const dueAt = new Date(start - offsetMs)
    if (dueAt.getTime() <= now.getTime()) plan.skipped.push(offsetMs)
    else plan.due.push({ offsetMs, dueAt, payload: { bookingId: data.booking.id, offsetMs, booking: data.booking, hall: data.hall, user: data.user } })
  }
  return plan
}

/**
 * What a reminder produces when its job runs: the in-app `booking_reminder` for the booker
 * and their channels (email, push; SMS only when the user turned it on).
 */
export function planReminderEffects(reminder: ReminderPayload, disabled: DisabledChannels = new Set(), pushSubscriptions: PushSubscriptionIds = new Map()): Effects {
  const person = reminder.user
  const type = 'booking_reminder' as const
  const delivery: Delivery = { person, type }
  const locale = pickLocale(person.locale)
  const { booking, hall } = reminder
  const text = inAppText(type, locale, {
    recipientName: person.name,
    bookingTitle: booking.title,
    hallName: hall.name,
    when: formatTimeRange(booking.startsAt, booking.endsAt, hall.timeZone, locale),
    startsIn: formatLeadTime(reminder.offsetMs, locale),
  })
  const notification = { userId: person.id, type, ...text, data: { ...bookingData({ booking, hall, user: person }), reminderOffsetSeconds: reminder.offsetMs / 1000 } }
  const effects: Effects = { notifications: [], deliveries: [] }
  if (!disabled.has(disabledKey(person.id, type, 'inApp'))) effects.notifications.push(notification)
  const subscriptions = pushSubscriptions.get(person.id)
  if (subscriptions?.length && !disabled.has(disabledKey(person.id, type, 'push'))) effects.deliveries.push(...pushesFor(booking, delivery, notification, subscriptions))
  if (person.phone && wantsSms(disabled, person.id, type)) effects.deliveries.push(smsFor(booking, delivery, person.phone, notification))
  if (!disabled.has(disabledKey(person.id, type, 'email'))) {
    effects.deliveries.push({
      channel: 'email',
      userId: person.id,
      destination: person.email,
      notificationType: type,
      template: EMAIL_TEMPLATE[type],
      locale: person.locale ?? 'en',
      payload: {
        recipient: { id: person.id, name: person.name, email: person.email },
        booking,
        hall,
        booker: { id: person.id, name: person.name, email: person.email },
        startsIn: formatLeadTime(reminder.offsetMs, pickLocale(person.locale)),
        // A reminder for a booking that has started is of no use.
        expiresAt: booking.startsAt,
      },
    })
  }
  return effects
}
