import { Format } from 'typebox/format'

// RFC 3339 with a zone, nothing else: no leap second (JavaScript has no 23:59:60 and would
// quietly read it as the next minute), no RFC 9557 suffix, years 0001-9999.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)

/**
 * The one date validator: every time the service reads from outside (event fields, query
 * strings) goes through it. Returns the instant, or undefined for anything that is not a
 * real, representable RFC 3339 date-time with a zone.
 */
export function parseDateTime(value: string): Date | undefined {
  const m = DATE_TIME.exec(value)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (year < 1 || month < 1 || month > 12) return undefined
  const lastDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!
  if (day < 1 || day > lastDay || hour > 23 || minute > 59 || second > 59) return undefined
  if (m[7] && (Number(m[8]) > 23 || Number(m[9]) > 59)) return undefined
  const ms = Date.parse(value)
  return Number.isFinite(ms) ? new Date(ms) : undefined
}

export const isDateTime = (value: string): boolean => parseDateTime(value) !== undefined

// TypeBox's own date-time accepts 23:59:60 and RFC 9557 suffixes that Date cannot read:
// every TypeBox schema with format "date-time" uses this check instead.
Format.Set('date-time', isDateTime)
