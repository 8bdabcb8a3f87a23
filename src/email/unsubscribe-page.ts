import { NOTIFICATION_TYPES } from '../domain/notification-types.js'
import { type SupportedLocale, pickLocale } from '../domain/format-time.js'
import { escapeHtml } from '../html.js'

/**
 * The unsubscribe pages a recipient sees after following a link in an email: in their
 * language, naming the kind of email in words. Plain server-rendered HTML, no script.
 */

/** What a person calls each kind of email (plural: "stop emails about ..."). */
const KIND: Record<string, Record<SupportedLocale, string>> = {
  welcome: { en: 'welcome emails', de: 'Willkommens-E-Mails' },
  booking_confirmed: { en: 'booking confirmations', de: 'Buchungsbestätigungen' },
  booking_cancelled: { en: 'booking cancellations', de: 'Stornierungen Ihrer Buchungen' },
  booking_updated: { en: 'changes to your bookings', de: 'Änderungen Ihrer Buchungen' },
  booking_reminder: { en: 'booking reminders', de: 'Buchungserinnerungen' },
  hall_booking_created: { en: 'new booking alerts for your halls', de: 'Hinweise auf neue Buchungen Ihrer Säle' },
  hall_booking_cancelled: { en: 'cancellation alerts for your halls', de: 'Hinweise auf Stornierungen in Ihren Sälen' },
  hall_booking_updated: { en: 'change alerts for your halls', de: 'Hinweise auf geänderte Buchungen Ihrer Säle' },
  announcement: { en: 'announcements', de: 'Ankündigungen' },
}

export function kindOfEmail(type: string, locale: SupportedLocale): string {
  return KIND[type]?.[locale] ?? type.replace(/_/g, ' ')
}

/** A hall admin's alerts: one link can turn off all of them ("all alerts of this kind"). */
export const HALL_ALERT_TYPES: readonly string[] = NOTIFICATION_TYPES.filter((t) => t.startsWith('hall_booking_'))

const TEXT = {
  en: {
    confirmTitle: 'Unsubscribe',
    confirm: (kind: string) => `Stop emails about <strong>${kind}</strong>? You will still see them in BookIT.`,
    button: 'Unsubscribe',
    allButton: 'Unsubscribe from all hall alerts',
    allHint: 'Or stop every alert about bookings in your halls: new, changed and cancelled ones.',
    doneTitle: 'Unsubscribed',
    done: (kind: string) => `You will no longer get emails about <strong>${kind}</strong>.`,
    doneAll: 'You will no longer get emails about bookings in your halls (new, changed or cancelled).',
    settings: 'You can turn them on again in your notification settings in BookIT.',
    badTitle: 'This link does not work',
    bad: 'This unsubscribe link is not valid: it may have been altered or cut short. Use the link from the latest email, or change your email settings in BookIT.',
  },
  de: {
    confirmTitle: 'Abmelden',
    confirm: (kind: string) => `Keine E-Mails mehr zu <strong>${kind}</strong>? In BookIT sehen Sie sie weiterhin.`,
    button: 'Abmelden',
    allButton: 'Von allen Saal-Hinweisen abmelden',
    allHint: 'Oder alle Hinweise zu Buchungen Ihrer Säle abbestellen: neue, geänderte und stornierte.',
    doneTitle: 'Abgemeldet',
    done: (kind: string) => `Sie erhalten keine E-Mails mehr zu <strong>${kind}</strong>.`,
    doneAll: 'Sie erhalten keine E-Mails mehr zu Buchungen Ihrer Säle (neu, geändert oder storniert).',
    settings: 'In den Benachrichtigungseinstellungen von BookIT können Sie sie wieder einschalten.',
    badTitle: 'Dieser Link funktioniert nicht',
    bad: 'Dieser Abmeldelink ist ungültig: Er wurde vielleicht verändert oder abgeschnitten. Nutzen Sie den Link aus der neuesten E-Mail oder ändern Sie Ihre E-Mail-Einstellungen in BookIT.',
  },
} satisfies Record<SupportedLocale, unknown>

/** The token's locale, else the browser's first language we speak, else English. */
export function pageLocale(tokenLocale: string | undefined, acceptLanguage: string | undefined): SupportedLocale {
  if (tokenLocale) return pickLocale(tokenLocale)
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim()
    if (tag && pickLocale(tag) === tag.slice(0, 2).toLowerCase()) return pickLocale(tag)
  }
  return 'en'
}

function page(locale: SupportedLocale, title: string, body: string): string {
  return `<!DOCTYPE html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2937;background:#f3f4f6;margin:0;padding:24px}main{max-width:520px;margin:0 auto;background:#fff;border-radius:8px;padding:28px}button{font-size:16px;background:#1d4ed8;color:#fff;border:0;border-radius:6px;padding:12px 22px;cursor:pointer}button.secondary{background:#fff;color:#1d4ed8;border:1px solid #1d4ed8}form{margin:16px 0}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
}

const form = (action: string, label: string, className = '') =>
  `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit"${className ? ` class="${className}"` : ''}>${escapeHtml(label)}</button></form>`

/** Asks to confirm (opening a link never unsubscribes); a hall admin may also stop all hall alerts. */
export function confirmPage(locale: SupportedLocale, type: string, token: string): string {
  const t = TEXT[locale]
  const action = `/v1/unsubscribe?token=${encodeURIComponent(token)}`
  const all = HALL_ALERT_TYPES.includes(type) ? `<p>${t.allHint}</p>${form(`${action}&scope=all`, t.allButton, 'secondary')}` : ''
  return page(locale, t.confirmTitle, `<p>${t.confirm(escapeHtml(kindOfEmail(type, locale)))}</p>${form(action, t.button)}${all}`)
}

export function donePage(locale: SupportedLocale, type: string, all: boolean): string {
  const t = TEXT[locale]
  return page(locale, t.doneTitle, `<p>${all ? t.doneAll : t.done(escapeHtml(kindOfEmail(type, locale)))}</p><p>${t.settings}</p>`)
}

export function badLinkPage(locale: SupportedLocale): string {
  const t = TEXT[locale]
  return page(locale, t.badTitle, `<p>${t.bad}</p>`)
}
