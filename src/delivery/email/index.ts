import { join } from 'node:path'
import { ALWAYS_EMAILED, isNotificationType } from '../../domain/notification-types.js'
import { type MailTransport, type OutgoingEmail, fileTransport, smtpTransport } from '../../email/mail-transport.js'
import { type EmailRenderer, type RenderOptions, createEmailRenderer } from '../../email/render-email.js'
import { notificationOpenUrl } from '../../email/open-link.js'
import { createUnsubscribeToken } from '../../email/unsubscribe-token.js'
import { templatesDir } from '../../paths.js'
import type { Channel, ChannelDeps, DeliveryJob, SendOutcome } from '../channel.js'
import { DIGEST_TEMPLATE } from '../../domain/digest.js'
import { digestPayload } from './digest-payload.js'

/** Errors that say the SMTP server could not be reached at all, as opposed to a reply about one email. */
const UNREACHABLE = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EGREETING'])

/** What went wrong, with the SMTP reply code or the network error code in front. */
function describeError(err: unknown): string {
  const e = err as { message?: string; responseCode?: number; code?: string }
  const text = e.message ?? String(err)
  return (e.responseCode ? `${e.responseCode} ${text}` : e.code && !text.includes(e.code) ? `${e.code} ${text}` : text).slice(0, 1000)
}

/** Sorts a failed send: 5xx replies are final, a server that cannot be reached pauses the channel, the rest are retried. */
export function classifySmtpError(err: unknown): SendOutcome {
  const e = err as { code?: string; responseCode?: number; permanent?: boolean }
  const error = describeError(err)
  if (e.permanent === true || (e.responseCode !== undefined && e.responseCode >= 500)) return { kind: 'failed', error }
  if (e.responseCode === undefined && e.code !== undefined && UNREACHABLE.has(e.code)) return { kind: 'unreachable', error }
  return { kind: 'retry', error }
}

export interface EmailChannel extends Channel {
  readonly renderer: EmailRenderer
  readonly transport: MailTransport
  /** The message a delivery becomes: rendered from its payload, with a Message-ID stable across retries. */
  compose(job: DeliveryJob, options?: RenderOptions): OutgoingEmail & { templateVersion: number | null }
}

/** Email: renders a delivery's template and hands it to SMTP (or to `.eml` files in development). */
export function createEmailChannel(deps: ChannelDeps & { transport?: MailTransport; renderer?: EmailRenderer }): EmailChannel {
  const { config, log } = deps
  const transport = deps.transport ?? (config.smtpUrl ? smtpTransport(config.smtpUrl, config.email.concurrency) : fileTransport(join(config.dataDir, 'mail')))
  const renderer = deps.renderer ?? deps.emailRenderer ?? createEmailRenderer(templatesDir)
  const domain = /@([^>\s]+)>?\s*$/.exec(config.mailFrom)?.[1] ?? 'bookit.local'

  /** Shared with the admin preview, which passes a draft as `options.override`. */
  function compose(job: DeliveryJob, options?: RenderOptions): OutgoingEmail & { templateVersion: number | null } {
    const type = job.notificationType
    const unsubscribeUrl =
      job.userId && isNotificationType(type) && !ALWAYS_EMAILED.has(type)
        ? `${config.publicUrl}/v1/unsubscribe?token=${createUnsubscribeToken({ userId: job.userId, type, locale: job.locale }, config.unsubscribeSecret)}`
        : undefined
    const openUrl = job.notificationId ? notificationOpenUrl(config.publicUrl, job.notificationId, config.unsubscribeSecret) : undefined
    const rendered = renderer.render(job.template, job.locale, job.payload, { appUrl: config.appUrl, unsubscribeUrl, openUrl }, options)
    const headers: Record<string, string> = {}
    if (unsubscribeUrl) {
      headers['List-Unsubscribe'] = `<${unsubscribeUrl}>`
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
    }
    return {
      from: config.mailFrom,
      to: job.destination,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      // Stable per delivery: a resend after a crash carries the same id.
      messageId: `<${job.id}@${domain}>`,
      headers,
      templateVersion: rendered.version,
    }
  }

  return {
    name: 'email',
    server: 'SMTP server',
    renderer,
    transport,
    compose,
    async send(job, signal) {
      let message: ReturnType<typeof compose>
      if (job.template === DIGEST_TEMPLATE) {
        // A digest renders the lines its window holds now that it is claimed; a database
        // that cannot be read is a reason to try again, not a broken template.
        try {
          job = { ...job, payload: await digestPayload(deps.db, job) }
        } catch (err) {
          return { kind: 'retry', error: `digest lines could not be read: ${describeError(err)}` }
        }
      }
      try {
        message = compose(job)
      } catch (err) {
        // A template that cannot render will not render on the next attempt either.
        log.error({ err, deliveryId: job.id, template: job.template }, 'email could not be rendered')
        return { kind: 'failed', error: `render: ${describeError(err)}` }
      }
      if (signal.aborted) return { kind: 'retry', error: 'not sent: this instance lost its claim' }
      try {
        const { templateVersion, ...email } = message
        await transport.send(email)
        return { kind: 'sent', templateVersion }
      } catch (err) {
        return classifySmtpError(err)
      }
    },
    async verify() {
      await transport.verify()
    },
    async close() {
      transport.close()
    },
  }
}
