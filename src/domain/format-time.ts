/** Languages the in-app texts and email templates are written in; English is the fallback. */
export const SUPPORTED_LOCALES = ['en', 'de'] as const
export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number]

/** Picks the best supported language for a recipient's locale ("de-AT" -> "de"), else English. */
export function pickLocale(locale: string | undefined): SupportedLocale {
  const language = (locale ?? '').toLowerCase().split(/[-_]/)[0]
  return (SUPPORTED_LOCALES as readonly string[]).includes(language ?? '') ? (language as SupportedLocale) : 'en'
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`
  let format = formatters.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    })
    formatters.set(key, format)
  }
  return format
}

/** "Tue, 1 Dec 2026, 10:00 – 12:30 (Europe/Berlin)": always in the hall's zone, and the zone named. */
export function formatTimeRange(startsAt: string, endsAt: string, timeZone: string | undefined, locale: string): string {
  const zone = timeZone ?? 'UTC'
  return `${formatter(locale, zone).formatRange(new Date(startsAt), new Date(endsAt))} (${zone})`
}

export function formatTime(at: string, timeZone: string | undefined, locale: string): string {
  const zone = timeZone ?? 'UTC'
  return `${formatter(locale, zone).format(new Date(at))} (${zone})`
}
