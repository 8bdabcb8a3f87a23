/** Languages the in-app texts and email templates are written in; English is the fallback. */
export const SUPPORTED_LOCALES = ['en', 'de'] as const
export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number]

/** Picks the best supported language for a recipient's locale ("de-AT" -> "de"), else English. */
export function pickLocale(locale: string | undefined): SupportedLocale {
  const language = (locale ?? '').toLowerCase().split(/[-_]/)[0]
  return (SUPPORTED_LOCALES as readonly string[]).includes(language ?? '') ? (language as SupportedLocale) : 'en'
}

// Intl formatters are costly to build and cheap to use: one per (locale, zone, style).
// formatRange is avoided on purpose: it costs several times two format() calls.
const formatters = new Map<string, Intl.DateTimeFormat>()

type Style = 'dateTime' | 'time' | 'day'
const STYLES: Record<Style, Intl.DateTimeFormatOptions> = {
  dateTime: { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' },
  time: { hour: '2-digit', minute: '2-digit' },
  day: { year: 'numeric', month: '2-digit', day: '2-digit' },
}

function formatter(locale: string, timeZone: string, style: Style): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${style}`
  let format = formatters.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, { timeZone, ...STYLES[style] })
    formatters.set(key, format)
  }
  return format
}

/**
 * "Tue, 1 Dec 2026, 10:00–12:30 (Europe/Berlin)", or both dates when the booking spans
 * midnight: always in the hall's zone, and the zone named.
 */
export function formatTimeRange(startsAt: string, endsAt: string, timeZone: string | undefined, locale: string): string {
  const zone = timeZone ?? 'UTC'
  const start = new Date(startsAt)
  const end = new Date(endsAt)
  const day = formatter(locale, zone, 'day')
  const sameDay = day.format(start) === day.format(end)
  const until = sameDay ? formatter(locale, zone, 'time').format(end) : formatter(locale, zone, 'dateTime').format(end)
  return `${formatter(locale, zone, 'dateTime').format(start)}${sameDay ? '–' : ' – '}${until} (${zone})`
}

export function formatTime(at: string, timeZone: string | undefined, locale: string): string {
  const zone = timeZone ?? 'UTC'
  return `${formatter(locale, zone, 'dateTime').format(new Date(at))} (${zone})`
}

const leadTimes = new Map<string, Intl.RelativeTimeFormat>()

/** "in 24 hours", "in 2 minutes", "in 1 Tag": how long before a start a reminder goes out. */
export function formatLeadTime(ms: number, locale: string): string {
  let format = leadTimes.get(locale)
  if (!format) leadTimes.set(locale, (format = new Intl.RelativeTimeFormat(locale === 'en' ? 'en-GB' : locale, { numeric: 'always' })))
  const minutes = Math.round(ms / 60_000)
  // Whole days only from 48 h: "in 24 hours" reads better than "in 1 day" for a reminder.
  if (minutes % 1_440 === 0 && minutes >= 2_880) return format.format(minutes / 1_440, 'day')
  if (minutes % 60 === 0 && minutes >= 60) return format.format(minutes / 60, 'hour')
  return format.format(Math.max(1, minutes), 'minute')
}
