import type { Kysely } from 'kysely'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { EmailDeliveryConfig } from '../config.js'
import type { Database, EmailOutboxRow } from '../db/schema.js'
import { ALWAYS_EMAILED, isNotificationType } from '../domain/notification-types.js'
import type { Metrics } from '../metrics.js'
import { claimDueEmails, markFailed, markSent, scheduleRetry } from './email-outbox.js'
import type { MailTransport } from './mail-transport.js'
import type { EmailRenderer } from './render-email.js'
import { createUnsubscribeToken } from './unsubscribe-token.js'

export interface EmailDispatcherOptions {
  db: Kysely<Database>
  transport: MailTransport
  renderer: EmailRenderer
  delivery: EmailDeliveryConfig
  mailFrom: string
  appUrl: string
  publicUrl: string
  unsubscribeSecret: string
  metrics: Metrics
  log: Logger
}

type Outcome = { kind: 'sent' } | { kind: 'retry'; error: string } | { kind: 'failed'; error: string }

/** Exponential backoff with jitter: base·2^(n-1), capped, then spread over its upper half. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30))
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
}

function describeError(err: unknown): string {
  const e = err as { message?: string; responseCode?: number; code?: string }
  const text = e.message ?? String(err)
  return (e.responseCode ? `${e.responseCode} ${text}` : e.code && !text.includes(e.code) ? `${e.code} ${text}` : text).slice(0, 1000)
}

/**
 * Sends due emails from the outbox until stopped. At-least-once: an email is marked sent
 * only after the SMTP server accepted it; a crash in between sends it again with the
 * same Message-ID, so receivers can recognise the copy.
 */
export class EmailDispatcher {
  private running = false
  private loop: Promise<void> | undefined
  private wakeUp: (() => void) | undefined
  private woken = false
  /** Sent, but not yet recorded (the database was unreachable): recorded before anything else. */
  private unrecorded: string[] = []
  private readonly domain: string

  constructor(private readonly o: EmailDispatcherOptions) {
    this.domain = /@([^>\s]+)>?\s*$/.exec(o.mailFrom)?.[1] ?? 'bookit.local'
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  /** Asks for an early look at the outbox, e.g. right after new emails were committed. */
  wake(): void {
    this.woken = true
    this.wakeUp?.()
  }

  async stop(): Promise<void> {
    this.running = false
    this.wake()
    await this.loop
  }

  private async pause(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false
      return
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.wakeUp = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.wakeUp = undefined
    this.woken = false
  }

  private async run(): Promise<void> {
    let failures = 0
    while (this.running) {
      try {
        const busy = await this.runOnce()
        failures = 0
        if (!busy) await this.pause(this.o.delivery.pollMs)
      } catch (err) {
        // The database is unreachable: wait longer each time, log every time (bounded by the wait).
        failures++
        const wait = Math.min(30_000, this.o.delivery.pollMs * 2 ** Math.min(failures, 10))
        this.o.log.error({ err, retryInMs: wait }, 'email dispatcher cannot reach the database')
        await this.pause(wait)
      }
    }
  }

  /** One round: record what was sent, claim a batch, send it. Returns whether it found work. */
  async runOnce(): Promise<boolean> {
    if (this.unrecorded.length > 0) {
      await markSent(this.o.db, this.unrecorded)
      this.unrecorded = []
    }
    const batch = await claimDueEmails(this.o.db, this.o.delivery.batchSize, this.o.delivery.leaseMs)
    if (batch.length === 0) return false
    const outcomes = await Promise.all(batch.map((email) => this.deliver(email)))
    const sent = batch.filter((_, i) => outcomes[i]!.kind === 'sent').map((e) => e.id)
    this.unrecorded.push(...sent)
    await markSent(this.o.db, this.unrecorded)
    this.unrecorded = []
    for (const [i, email] of batch.entries()) {
      const outcome = outcomes[i]!
      if (outcome.kind === 'retry') await scheduleRetry(this.o.db, email.id, outcome.error, retryDelayMs(email.attempts, this.o.delivery.retryBaseMs, this.o.delivery.retryMaxMs))
      if (outcome.kind === 'failed') await markFailed(this.o.db, email.id, outcome.error)
    }
    return true
  }

  private compose(email: EmailOutboxRow) {
    const type = email.notification_type
    const unsubscribeUrl =
      isNotificationType(type) && !ALWAYS_EMAILED.has(type)
        ? `${this.o.publicUrl}/v1/unsubscribe?token=${createUnsubscribeToken({ userId: email.user_id, type }, this.o.unsubscribeSecret)}`
        : undefined
    const rendered = this.o.renderer.render(email.template, email.locale, email.payload, { appUrl: this.o.appUrl, unsubscribeUrl })
    const headers: Record<string, string> = {}
    if (unsubscribeUrl) {
      headers['List-Unsubscribe'] = `<${unsubscribeUrl}>`
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
    }
    return {
      from: this.o.mailFrom,
      to: email.recipient,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      // Stable per outbox row: a resend after a crash carries the same id.
      messageId: `<${email.id}@${this.domain}>`,
      headers,
    }
  }

  private async deliver(email: EmailOutboxRow): Promise<Outcome> {
    const { metrics, log, delivery } = this.o
    let message
    try {
      message = this.compose(email)
    } catch (err) {
      // A template that cannot render will not render on the next attempt either.
      metrics.emailsFailed.inc({ template: email.template })
      log.error({ err, emailId: email.id, template: email.template }, 'email could not be rendered')
      return { kind: 'failed', error: `render: ${describeError(err)}` }
    }
    const stopTimer = metrics.emailSendSeconds.startTimer()
    try {
      await this.o.transport.send(message)
      stopTimer()
      metrics.emailsSent.inc({ template: email.template })
      return { kind: 'sent' }
    } catch (err) {
      const error = describeError(err)
      const permanent = (err as { permanent?: boolean }).permanent === true
      if (permanent || email.attempts >= delivery.maxAttempts) {
        metrics.emailsFailed.inc({ template: email.template })
        log.error({ emailId: email.id, template: email.template, attempts: email.attempts, error }, 'email failed for good')
        return { kind: 'failed', error }
      }
      metrics.emailsRetried.inc({ template: email.template })
      log.warn({ emailId: email.id, template: email.template, attempts: email.attempts, error }, 'email send failed; will retry')
      return { kind: 'retry', error }
    }
  }
}
