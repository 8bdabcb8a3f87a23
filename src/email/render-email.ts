import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Eta } from 'eta'
import { formatTime, formatTimeRange, pickLocale } from '../domain/format-time.js'

export interface RenderedEmail {
  subject: string
  html: string
  text: string
  /** The language actually used, after falling back to English. */
  lang: string
}

export interface EmailLinks {
  appUrl: string
  /** Absent for the welcome email, which cannot be unsubscribed from. */
  unsubscribeUrl?: string
}

interface BookingPayload {
  booking: { id: string; startsAt: string; endsAt: string }
  hall: { id: string; timeZone?: string }
  cancellation?: { cancelledAt: string }
  /** A change: the booking's time before it. */
  previous?: { startsAt: string; endsAt: string }
}

export type EmailRenderer = ReturnType<typeof createEmailRenderer>

/**
 * Renders `templates/<name>/[<lang>/]{subject,html,text}.eta` inside the shared layout.
 * HTML output escapes every interpolated value; the text part and subject are plain text.
 */
export function createEmailRenderer(templatesDir: string) {
  const html = new Eta({ views: templatesDir, cache: true, autoEscape: true })
  const plain = new Eta({ views: templatesDir, cache: true, autoEscape: false, autoTrim: false })
  // Which templates and translations exist, looked up once: a file check per email is a system call per email.
  const localized = new Map<string, boolean>()
  const templates = new Map<string, boolean>()

  function templatePath(template: string, lang: string, part: string): string {
    const key = `${template}/${lang}`
    let exists = localized.get(key)
    if (exists === undefined) {
      exists = lang !== 'en' && existsSync(join(templatesDir, template, lang, 'html.eta'))
      localized.set(key, exists)
    }
    return exists ? `./${template}/${lang}/${part}` : `./${template}/${part}`
  }

  function render(template: string, locale: string, payload: Record<string, unknown>, links: EmailLinks): RenderedEmail {
    let known = templates.get(template)
    if (known === undefined) templates.set(template, (known = existsSync(join(templatesDir, template, 'html.eta'))))
    if (!known) throw new Error(`unknown email template "${template}"`)
    const wanted = pickLocale(locale)
    const lang = templatePath(template, wanted, 'html').includes(`/${wanted}/`) ? wanted : 'en'
    const context: Record<string, unknown> = { ...payload, ...links, lang }
    const booking = payload as Partial<BookingPayload>
    if (booking.booking && booking.hall) {
      context.when = formatTimeRange(booking.booking.startsAt, booking.booking.endsAt, booking.hall.timeZone, lang)
      context.bookingUrl = `${links.appUrl}/bookings/${encodeURIComponent(booking.booking.id)}`
      if (booking.cancellation) context.cancelledAt = formatTime(booking.cancellation.cancelledAt, booking.hall.timeZone, lang)
      // Old and new time in the same (the hall's) zone, so they compare at a glance.
      if (booking.previous) context.previousWhen = formatTimeRange(booking.previous.startsAt, booking.previous.endsAt, booking.hall.timeZone, lang)
    }
    // One line, whatever the template or user text held: a subject is a header.
    const subject = plain.render(templatePath(template, lang, 'subject'), context).replace(/\s+/g, ' ').trim()
    context.subject = subject
    return {
      subject,
      html: html.render(templatePath(template, lang, 'html'), context),
      text: plain.render(templatePath(template, lang, 'text'), context).replace(/\n{3,}/g, '\n\n').trim() + '\n',
      lang,
    }
  }

  return { render }
}
