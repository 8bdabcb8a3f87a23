import type { BookingCancelled, BookingCreated, BookingUpdated, BookitEvent, PersonData } from './events.js'
import { type Directory, latestFacts } from './directory.js'
import { formatTimeRange, pickLocale } from './format-time.js'
import { inAppText } from './in-app-text.js'
import type { ChannelName } from './delivery-channels.js'
import { smsText } from './sms-text.js'
import { ALWAYS_EMAILED, EMAIL_TEMPLATE, type NotificationType, SMS_BY_DEFAULT, SMS_BY_DEFAULT_WHEN_URGENT, URGENT_WITHIN_MS } from './notification-types.js'

export interface PlannedNotification {
  userId: string
  type: NotificationType
  title: string
  body: string
  data: Record<string, unknown>
}

/** One message to one destination on one channel, as planned; a `deliveries` row once recorded. */
export interface PlannedDelivery {
  channel: ChannelName
  userId: string
  /** Email address, push subscription id, phone number. */
  destination: string
  notificationType: NotificationType
  template: string
  /** The recipient's own locale; the renderer falls back to English where no template exists. */
  locale: string
  /**
   * Everything the channel needs; rendered when it is sent, not before. `expiresAt` (ISO
   * time), when present, is when the delivery stops mattering: after it, it is not sent.
   */
  payload: Record<string, unknown>
}

export type PlannedEmail = PlannedDelivery & { channel: 'email' }

export interface Effects {
  notifications: PlannedNotification[]
  deliveries: PlannedDelivery[]
}

/** Each recipient's push subscription ids (looked up in the ingest transaction). */
export type PushSubscriptionIds = ReadonlyMap<string, readonly string[]>

/**
 * A user's switched-off channels: `"booking_confirmed:email"`, `"hall_booking_created:inApp"`.
 * Every channel is in it, defaults included (SMS is off unless chosen, except for
 * booking_cancelled): a channel is planned exactly when its key is absent.
 */
export type DisabledChannels = ReadonlySet<string>

export function disabledKey(userId: string, type: string, channel: ChannelName | 'inApp'): string {
  return `${userId}\u0000${type}:${channel}`
}

/** The same set also carries opt-ins for channels that are off by default (SMS). */
export function enabledKey(userId: string, type: string, channel: 'sms'): string {
  return `${userId}\u0000${type}:+${channel}`
}

/** `urgent`: the booking starts soon, which turns on the default SMS of SMS_BY_DEFAULT_WHEN_URGENT types. */
export function wantsSms(choices: DisabledChannels, userId: string, type: NotificationType, urgent = false): boolean {
  if (choices.has(enabledKey(userId, type, 'sms'))) return true
  if (!SMS_BY_DEFAULT.has(type) || choices.has(disabledKey(userId, type, 'sms'))) return false
  return !SMS_BY_DEFAULT_WHEN_URGENT.has(type) || urgent
}

/** A change is urgent when the booking (as it was, or as it is now, whichever is earlier) starts within a day. */
export function isUrgentChange(data: BookingUpdated, now: Date): boolean {
  const start = Math.min(Date.parse(data.booking.startsAt), Date.parse(data.previous.startsAt))
  return start - now.getTime() < URGENT_WITHIN_MS
}

export interface Delivery {
  person: PersonData
  type: NotificationType
}

function uniqueById(people: PersonData[]): PersonData[] {
  const seen = new Set<string>()
  return people.filter((p) => !seen.has(p.id) && seen.add(p.id))
}

/** The events that notify anyone; `user.deleted` erases instead (src/store/user-erasure.ts). */
type NotifyingEvent = Exclude<BookitEvent, { type: 'user.deleted' }>

function deliveriesFor(event: BookitEvent): Delivery[] {
  switch (event.type) {
    case 'user.deleted':
      return []
    case 'user.created':
      return [{ person: event.data.user, type: 'welcome' }]
    case 'user.updated':
      // New facts for the directory; nothing to tell anyone.
      return []
    case 'booking.created':
      return [
        { person: event.data.user, type: 'booking_confirmed' },
        ...uniqueById(event.data.hallAdmins ?? []).map((person) => ({ person, type: 'hall_booking_created' as const })),
      ]
    case 'booking.cancelled':
      return [
        { person: event.data.user, type: 'booking_cancelled' },
        ...uniqueById(event.data.hallAdmins ?? []).map((person) => ({ person, type: 'hall_booking_cancelled' as const })),
      ]
    case 'booking.updated':
      return [
        { person: event.data.user, type: 'booking_updated' },
        ...uniqueById(event.data.hallAdmins ?? []).map((person) => ({ person, type: 'hall_booking_updated' as const })),
      ]
  }
}

export function bookingData(data: BookingCreated | BookingCancelled | BookingUpdated): Record<string, unknown> {
  const { booking, hall } = data
  return {
    bookingId: booking.id,
    ...(booking.reference ? { bookingReference: booking.reference } : {}),
    bookingTitle: booking.title,
    hallId: hall.id,
    hallName: hall.name,
    startsAt: booking.startsAt,
    endsAt: booking.endsAt,
    timeZone: hall.timeZone ?? 'UTC',
    ...('cancellation' in data ? { cancelledAt: data.cancellation.cancelledAt, cancelledById: data.cancellation.cancelledBy.id } : {}),
    ...('previous' in data ? { previousStartsAt: data.previous.startsAt, previousEndsAt: data.previous.endsAt, previousHallId: data.previous.hallId } : {}),
  }
}

function notificationFor(event: NotifyingEvent, { person, type }: Delivery, when: (locale: string, previous?: boolean) => string): PlannedNotification {
  const locale = pickLocale(person.locale)
  if (event.type === 'user.created' || event.type === 'user.updated') {
    // Never the temporary password: it belongs to the welcome email alone.
    return { userId: person.id, type, ...inAppText(type, locale, { recipientName: person.name }), data: { userId: person.id } }
  }
  const { booking, hall, user } = event.data
  const cancellation = event.type === 'booking.cancelled' ? event.data.cancellation : undefined
  const previous = event.type === 'booking.updated' ? event.data.previous : undefined
  const text = inAppText(type, locale, {
    recipientName: person.name,
    bookingTitle: booking.title,
    hallName: hall.name,
    when: when(locale),
    bookerName: user.name,
    cancelledByName: cancellation?.cancelledBy.name,
    reason: cancellation?.reason,
    previousWhen: previous ? when(locale, true) : undefined,
    movedToHall: previous && previous.hallId !== hall.id ? hall.name : undefined,
  })
  return { userId: person.id, type, ...text, data: bookingData(event.data) }
}

function emailFor(event: NotifyingEvent, { person, type }: Delivery): PlannedEmail {
  const recipient = { id: person.id, name: person.name, email: person.email }
  const base = { channel: 'email' as const, userId: person.id, destination: person.email, notificationType: type, template: EMAIL_TEMPLATE[type], locale: person.locale ?? 'en' }
  if (event.type === 'user.updated') throw new Error('user.updated produces no email')
  if (event.type === 'user.created') {
    const { temporaryPassword, activationUrl } = event.data
    return { ...base, payload: { recipient, ...(temporaryPassword ? { temporaryPassword } : {}), ...(activationUrl ? { activationUrl } : {}) } }
  }
  const { booking, hall, user } = event.data
  return {
    ...base,
    payload: {
      recipient,
      variant: event.type === 'booking.created' ? 'created' : event.type === 'booking.updated' ? 'updated' : 'cancelled',
      booking,
      hall,
      booker: { id: user.id, name: user.name, email: user.email },
      ...(event.type === 'booking.cancelled' ? { cancellation: event.data.cancellation } : {}),
      ...(event.type === 'booking.updated' ? { previous: event.data.previous } : {}),
      // A booking email arriving after the booking has ended helps nobody.
      expiresAt: booking.endsAt,
    },
  }
}

/** The in-app text, to every browser the person subscribed; the channel adds the unread count when it sends. */
export function pushesFor(booking: { id: string; endsAt: string } | undefined, { person, type }: Delivery, text: PlannedNotification, subscriptionIds: readonly string[]): PlannedDelivery[] {
  const payload = {
    title: text.title,
    body: text.body,
    ...(booking ? { bookingId: booking.id, expiresAt: booking.endsAt } : {}),
  }
  return subscriptionIds.map((id) => ({ channel: 'push', userId: person.id, destination: id, notificationType: type, template: 'push', locale: person.locale ?? 'en', payload }))
}

/** One short SMS to the person's phone, from the in-app text (already in their language). */
export function smsFor(booking: { endsAt: string } | undefined, { person, type }: Delivery, phone: string, text: PlannedNotification): PlannedDelivery {
  // An SMS about a booking that has ended is not sent late.
  const payload = { text: smsText(text.title, text.body), ...(booking ? { expiresAt: booking.endsAt } : {}) }
  return { channel: 'sms', userId: person.id, destination: phone, notificationType: type, template: 'sms', locale: person.locale ?? 'en', payload }
}

/**
 * What one event produces, per the contract's table, with the recipients' switched-off
 * channels left out (the welcome email is never left out). Push goes to each of a
 * recipient's subscriptions. Each recipient is addressed with the directory's facts when
 * they are newer than the event's (a changed email address gets the next email).
 */
export function planEffects(
  event: BookitEvent,
  disabled: DisabledChannels = new Set(),
  pushSubscriptions: PushSubscriptionIds = new Map(),
  directory: Directory = new Map(),
  now: Date = new Date(),
): Effects {
  const effects: Effects = { notifications: [], deliveries: [] }
  if (event.type === 'user.deleted') return effects
  // Recipients of one event mostly share a language: format its time once per language.
  const times = new Map<string, string>()
  const when = (locale: string, previous = false) => {
    if (!('booking' in event.data)) return ''
    const key = previous ? `previous:${locale}` : locale
    let text = times.get(key)
    if (text === undefined) {
      const { hall } = event.data
      // The time before a change is shown in the (new) hall's zone too: one zone per message.
      const { startsAt, endsAt } = previous && event.type === 'booking.updated' ? event.data.previous : event.data.booking
      times.set(key, (text = formatTimeRange(startsAt, endsAt, hall.timeZone, locale)))
    }
    return text
  }
  const booking = 'booking' in event.data ? event.data.booking : undefined
  const urgent = event.type === 'booking.updated' && isUrgentChange(event.data, now)
  for (const planned of deliveriesFor(event)) {
    const delivery = { ...planned, person: latestFacts(planned.person, event.time, directory) }
    const { person, type } = delivery
    const notification = notificationFor(event, delivery, when)
    if (!disabled.has(disabledKey(person.id, type, 'inApp'))) effects.notifications.push(notification)
    const subscriptions = pushSubscriptions.get(person.id)
    if (subscriptions?.length && !disabled.has(disabledKey(person.id, type, 'push'))) effects.deliveries.push(...pushesFor(booking, delivery, notification, subscriptions))
    // The event schema checks the number (E.164); the SMS channel refuses any other as failed.
    const phone = (person as { phone?: unknown }).phone
    if (typeof phone === 'string' && wantsSms(disabled, person.id, type, urgent)) effects.deliveries.push(smsFor(booking, delivery, phone, notification))
    if (ALWAYS_EMAILED.has(type) || !disabled.has(disabledKey(person.id, type, 'email'))) effects.deliveries.push(emailFor(event, delivery))
  }
  return effects
}

/** The user ids whose preferences decide what an event produces. */
export function recipientIds(event: BookitEvent): string[] {
  return deliveriesFor(event).map((d) => d.person.id)
}

