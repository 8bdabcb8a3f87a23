import type { BookitEvent, PersonData } from './events.js'
import { addDays, clockMinutes, isClockTime, localDate, localTimeToInstant } from './zoned-time.js'

/** A user's quiet hours as local wall-clock times; `end` before `start` spans midnight. */
export interface QuietHours {
  start: string
  end: string
}

/** Why a quiet-hours setting cannot be stored, or undefined when it can. */
export function quietHoursProblem(q: QuietHours): string | undefined {
  if (!isClockTime(q.start)) return `start: "${q.start}" is not a time of day as HH:MM (00:00 to 23:59)`
  if (!isClockTime(q.end)) return `end: "${q.end}" is not a time of day as HH:MM (00:00 to 23:59)`
  if (q.start === q.end) return 'start and end are the same time: quiet hours need a length'
  return undefined
}

/**
 * When the quiet hours that `now` falls in end, or null when `now` is outside them.
 * Evaluated as instants in `zone`: each day's quiet hours run from the instant of `start`
 * to the instant of the next `end`, both read with the DST rule of zoned-time (a skipped
 * time is the instant the clocks jump, a repeated one its first occurrence). So on the
 * night the clocks go back, quiet hours ending at 02:30 end at the first 02:30.
 */
export function quietHoursEnd(q: QuietHours, zone: string, now: Date): Date | null {
  const start = clockMinutes(q.start)
  const end = clockMinutes(q.end)
  if (start === end) return null
  const today = localDate(now, zone)
  // The window that began yesterday (over midnight) or today; the later one wins if both could.
  for (const offset of [0, -1]) {
    const day = addDays(today, offset)
    const from = localTimeToInstant(day, start, zone)
    const until = localTimeToInstant(end > start ? day : addDays(day, 1), end, zone)
    if (from.getTime() <= now.getTime() && now.getTime() < until.getTime()) return until
  }
  return null
}

const HOUR_MS = 3_600_000

/** The notification types whose message is urgent when its booking starts within a day. */
const URGENT_WHEN_NEAR = new Set(['booking_cancelled', 'hall_booking_cancelled', 'booking_updated', 'hall_booking_updated'])

/** Deferred by quiet hours: email, push and SMS. In-app (and webhooks, which go to systems) never. */
const QUIET_CHANNELS = new Set(['email', 'push', 'sms'])

function personIn(event: BookitEvent, userId: string): PersonData | undefined {
  const data = event.data as { user?: PersonData; hallAdmins?: PersonData[] }
  if (data.user?.id === userId) return data.user
  return data.hallAdmins?.find((a) => a.id === userId)
}

/**
 * The zone quiet hours are read in: the person's own, else the hall's for a booking
 * message, else UTC.
 */
export function recipientZone(event: BookitEvent, userId: string): string {
  const own = (personIn(event, userId) as { timeZone?: string } | undefined)?.timeZone
  if (own) return own
  const hall = (event.data as { hall?: { timeZone?: string } }).hall
  return hall?.timeZone ?? 'UTC'
}

/** A cancellation or a change less than 24 h before the booking starts: it goes at once. */
export function isUrgent(event: BookitEvent, notificationType: string, now: Date): boolean {
  if (!URGENT_WHEN_NEAR.has(notificationType)) return false
  const booking = (event.data as { booking?: { startsAt?: string } }).booking
  if (!booking?.startsAt) return false
  return Date.parse(booking.startsAt) - now.getTime() < 24 * HOUR_MS
}

export interface QuietHoursDeferral {
  until: Date
  reason: string
}

/**
 * Whether a delivery planned now waits for the end of its recipient's quiet hours, and
 * until when. Never drops anything: at worst it is sent late (or expires as any late one).
 */
export function quietHoursDeferral(
  event: BookitEvent,
  delivery: { channel: string; userId: string | null; notificationType: string },
  quiet: QuietHours | undefined,
  now: Date,
): QuietHoursDeferral | null {
  if (!quiet || !delivery.userId || !QUIET_CHANNELS.has(delivery.channel)) return null
  if (isUrgent(event, delivery.notificationType, now)) return null
  const zone = recipientZone(event, delivery.userId)
  const until = quietHoursEnd(quiet, zone, now)
  return until ? { until, reason: `quiet hours ${quiet.start}-${quiet.end} (${zone})` } : null
}
