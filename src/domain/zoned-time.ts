/**
 * Wall-clock time in IANA zones, for quiet hours and digest windows. Pure: the zone's
 * rules come from Intl. The DST rule, in one place: a local time that a change skips
 * (spring forward) is taken as the first instant that exists after it, the moment the
 * clocks jump; a local time that a change repeats (fall back) is its first occurrence.
 */

/** A calendar day (month 1-12); day arithmetic normalises through Date.UTC. */
export interface LocalDate {
  year: number
  month: number
  day: number
}

/** "HH:MM", 00:00 to 23:59. */
export const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/

export function isClockTime(value: string): boolean {
  return CLOCK_TIME.test(value)
}

/** Minutes since midnight of "HH:MM"; the caller has checked it with isClockTime. */
export function clockMinutes(value: string): number {
  const m = CLOCK_TIME.exec(value)
  if (!m) throw new Error(`not a clock time: "${value}"`)
  return Number(m[1]) * 60 + Number(m[2])
}

const partFormats = new Map<string, Intl.DateTimeFormat>()

function partFormat(zone: string): Intl.DateTimeFormat {
  let format = partFormats.get(zone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    partFormats.set(zone, format)
  }
  return format
}

/** The wall clock in `zone` at `instant` (seconds included, milliseconds dropped). */
export function localParts(instant: Date, zone: string): LocalDate & { hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {}
  for (const p of partFormat(zone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! }
}

/** The zone's offset from UTC at `instant`, in milliseconds (+01:00 is 3,600,000). */
export function offsetMs(instant: Date, zone: string): number {
  const p = localParts(instant, zone)
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return wall - Math.floor(instant.getTime() / 1000) * 1000
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days))
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }
}

export function localDate(instant: Date, zone: string): LocalDate {
  const { year, month, day } = localParts(instant, zone)
  return { year, month, day }
}

const DAY_MS = 86_400_000

/**
 * The instant at which the wall clock in `zone` shows `minutes` past midnight of `date`.
 * Skipped (spring forward): the instant the clocks jump, i.e. the first that exists after it.
 * Repeated (fall back): the first occurrence.
 */
export function localTimeToInstant(date: LocalDate, minutes: number, zone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minutes)
  // No zone changes its offset twice within a day: the offsets a day before and after are
  // the only ones the wall time can be in.
  const before = offsetMs(new Date(wall - DAY_MS), zone)
  const after = offsetMs(new Date(wall + DAY_MS), zone)
  const matches = [wall - before, wall - after].filter((t) => t + offsetMs(new Date(t), zone) === wall)
  if (matches.length > 0) return new Date(Math.min(...matches))
  // In a gap: the transition lies between the two candidates; find it to the millisecond.
  let lo = wall - after // still on the old offset
  let hi = wall - before // already on the new one
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (offsetMs(new Date(mid), zone) === after) hi = mid
    else lo = mid
  }
  return new Date(hi)
}
