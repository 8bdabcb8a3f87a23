import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Eta } from 'eta'
import { formatTime, formatTimeRange, pickLocale } from '../domain/format-time.js'
import { type CheckedSource, type TemplateSource, checkTemplateSource } from './template-sandbox.js'

export interface RenderedEmail {
  subject: string
  html: string
  text: string
  /** The language actually used, after falling back to English. */
  lang: string
  /** The published version it was rendered from; null = the file default. */
  version: number | null
}

/** A version operators published; `parts` null = back to the file default. */
export interface PublishedTemplate {
  version: number
  parts: CheckedSource | null
}

/** Where the renderer finds the versions in use (see published-templates.ts). */
export interface PublishedLookup {
  get(template: string, lang: string): PublishedTemplate | undefined
}

export interface RenderOptions {
  /** Render this instead of what is published (the admin preview); null = the file default. */
  override?: PublishedTemplate | null
}

export interface EmailLinks {
  appUrl: string
  /** Absent for the welcome email, which cannot be unsubscribed from. */
  unsubscribeUrl?: string
  /**
   * The signed link that marks the email's notification read and goes on to it in the app;
   * absent when the delivery has no notification (in-app turned off): templates fall back to the plain link.
   */
  openUrl?: string
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
export function createEmailRenderer(templatesDir: string, published?: PublishedLookup) {
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

  function exists(template: string): boolean {
    let known = templates.get(template)
    if (known === undefined) templates.set(template, (known = existsSync(join(templatesDir, template, 'html.eta'))))
    return known
  }

  /** Checks an operator's source against the sandbox rules and compiles it; throws TemplateRefused. */
  function check(template: string, lang: string, source: TemplateSource): CheckedSource {
    return checkTemplateSource(source, { templatesDir, template, lang, html, plain })
  }

  function render(template: string, locale: string, payload: Record<string, unknown>, links: EmailLinks, options: RenderOptions = {}): RenderedEmail {
    if (!exists(template)) throw new Error(`unknown email template "${template}"`)
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
    const announcement = (payload as { announcement?: { id: string; url?: string } }).announcement
    if (announcement) context.announcementUrl = `${links.appUrl}${announcement.url || `/announcements/${encodeURIComponent(announcement.id)}`}`
    const chosen = options.override !== undefined ? options.override : published?.get(template, lang)
    const parts = chosen?.parts
    // An operator's version renders from its compiled functions; includes and the layout
    // resolve from where the file default lives, as they would for the file.
    const subjectRaw = parts ? plain.render(parts.subject.fn, context, { filepath: parts.subject.filepath }) : plain.render(templatePath(template, lang, 'subject'), context)
    // One line, whatever the template or user text held: a subject is a header.
    const subject = subjectRaw.replace(/\s+/g, ' ').trim()
    context.subject = subject
    return {
      subject,
      html: parts ? html.render(parts.html.fn, context, { filepath: parts.html.filepath }) : html.render(templatePath(template, lang, 'html'), context),
      text: (parts ? plain.render(parts.text.fn, context, { filepath: parts.text.filepath }) : plain.render(templatePath(template, lang, 'text'), context)).replace(/\n{3,}/g, '\n\n').trim() + '\n',
      lang,
      version: chosen?.parts ? chosen.version : null,
    }
  }

  /** Whether a file default exists for the template in that language (the languages an operator can edit). */
  function hasFile(template: string, lang: string): boolean {
    if (!exists(template)) return false
    return lang === 'en' || templatePath(template, lang, 'html').includes(`/${lang}/`)
  }

  return { render, check, hasFile }
}
