import { NOTIFICATION_TYPES } from './notification-types.js'
import { addDays, clockMinutes, localDate, localParts, localTimeToInstant } from './zoned-time.js'

export const DIGEST_CADENCES = ['off', 'hourly', 'daily'] as const
export type DigestCadence = (typeof DIGEST_CADENCES)[number]

/**
 * What a digest line says about a booking, per hall-admin type. A type added here (say
 * `hall_booking_updated: 'updated'`) is digested like the others; every hall-admin type
 * (`hall_booking_*`) can be set to a digest.
 */
export const DIGEST_KIND: Readonly<Record<string, DigestKind>> = {
  hall_booking_created: 'created',
  hall_booking_cancelled: 'cancelled',
}
export type DigestKind = 'created' | 'updated' | 'cancelled'

/** The hall-admin types: the ones a digest can be chosen for. */
export const HALL_ADMIN_TYPES: readonly string[] = NOTIFICATION_TYPES.filter((t) => t.startsWith('hall_booking_'))

export function isHallAdminType(type: string): boolean {
  return HALL_ADMIN_TYPES.includes(type)
}

export const DIGEST_TEMPLATE = 'hall-admin-digest'

export interface DigestWindow {
  /** Names the window among an admin's digests: cadence and start instant, e.g. `hourly:2026-11-26T17:00:00.000Z`. */
  key: string
  start: Date
  /** Exclusive; the digest is due then. */
  end: Date
}

function windowOf(cadence: 'hourly' | 'daily', start: Date, end: Date): DigestWindow {
  return { key: `${cadence}:${start.toISOString()}`, start, end }
}

/**
 * The digest window `now` falls in, in the admin's zone. Daily windows run from one
 * `dailyAt` (local, "HH:MM") to the next, so across a DST change a window is 23 or 25
 * hours long and both of its ends are at `dailyAt` local time (a skipped `dailyAt` is the
 * instant the clocks jump, a repeated one its first occurrence: see zoned-time). Hourly
 * windows run from one local full hour to the next (for a zone such as Asia/Kolkata that
 * is half past the UTC hour).
 */
export function digestWindow(cadence: 'hourly' | 'daily', zone: string, now: Date, dailyAt: string): DigestWindow {
  if (cadence === 'daily') {
    const at = clockMinutes(dailyAt)
    const today = localDate(now, zone)
    const todays = localTimeToInstant(today, at, zone)
    return todays.getTime() <= now.getTime()
      ? windowOf('daily', todays, localTimeToInstant(addDays(today, 1), at, zone))
      : windowOf('daily', localTimeToInstant(addDays(today, -1), at, zone), todays)
  }
  // The local full hour: this instant minus the minutes and seconds the local clock shows.
  // Every zone's offset is a whole number of minutes, so this is a local hour boundary.
  const p = localParts(now, zone)
  const start = new Date(Math.floor(now.getTime() / 1000) * 1000 - (p.minute * 60 + p.second) * 1000)
  return windowOf('hourly', start, new Date(start.getTime() + 3_600_000))
}

/** The window after `w` (for a line that arrives once its window's digest is already claimed). */
export function nextDigestWindow(w: DigestWindow, cadence: 'hourly' | 'daily', zone: string, dailyAt: string): DigestWindow {
  return digestWindow(cadence, zone, w.end, dailyAt)
}

export interface DigestLine {
  bookingId: string
  kind: DigestKind
  /** The CloudEvent time (or when it was recorded): orders the lines of one booking. */
  eventTime: string
  details: Record<string, unknown>
}

/**
 * One line per booking: its latest state in the window. A cancellation is final (contract,
 * "Order"): a booking created and cancelled inside a window shows once, as cancelled. A
 * booking created and then changed shows as created, with its latest details.
 */
export function collapseDigestLines(lines: readonly DigestLine[]): DigestLine[] {
  const byBooking = new Map<string, DigestLine>()
  const sorted = [...lines].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime))
  for (const line of sorted) {
    const seen = byBooking.get(line.bookingId)
    if (!seen) byBooking.set(line.bookingId, line)
    else if (seen.kind === 'cancelled') continue
    else if (line.kind === 'cancelled') byBooking.set(line.bookingId, line)
    else byBooking.set(line.bookingId, { ...line, kind: seen.kind === 'created' ? 'created' : line.kind })
  }
  return [...byBooking.values()].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime) || a.bookingId.localeCompare(b.bookingId))
}
