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

type Outcome = { kind: 'sent' } | { kind: 'retry'; error: string; unreachable: boolean } | { kind: 'failed'; error: string }

/** Errors that say the SMTP server could not be reached at all, as opposed to a reply about one email. */
const UNREACHABLE = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EGREETING'])
const isUnreachable = (err: unknown) => {
  const e = err as { code?: string; responseCode?: number }
  return e.responseCode === undefined && e.code !== undefined && UNREACHABLE.has(e.code)
}

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
  /** Accepted by the SMTP server, not yet marked sent: recorded before anything else. */
  private unrecorded: string[] = []
  private recording: Promise<void> | undefined
  /** While the SMTP server is unreachable: no new claims before this time, growing each round. */
  private holdUntil = 0
  private outageRounds = 0
  private unreachableInARow = 0
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

  /**
   * Keeps up to EMAIL_BATCH_SIZE emails in flight and claims more once half of them are
   * done, so that the SMTP connections do not wait for a claim, nor for the slowest email
   * of a batch (one slow recipient server would otherwise hold back the next hundred).
   */
  private async run(): Promise<void> {
    const inFlight = new Set<Promise<void>>()
    const window = this.o.delivery.batchSize
    let failures = 0
    while (this.running) {
      try {
        const hold = this.holdUntil - Date.now()
        const room = window - inFlight.size
        let drained = false
        if (hold <= 0 && room >= window / 2) {
          await this.recordSent()
          const batch = await claimDueEmails(this.o.db, room, this.o.delivery.leaseMs)
          drained = batch.length < room
          for (const email of batch) {
            const task: Promise<void> = this.process(email).finally(() => inFlight.delete(task))
            inFlight.add(task)
          }
        }
        failures = 0
        if (inFlight.size === 0) await this.pause(hold > 0 ? hold : this.o.delivery.pollMs)
        // Nothing more is due (or the server is down): finish these, then look again.
        else if (drained || hold > 0) await Promise.all(inFlight)
        else await Promise.race(inFlight)
      } catch (err) {
        // The database is unreachable: wait longer each time, log every time (bounded by the wait).
        failures++
        const wait = Math.min(30_000, this.o.delivery.pollMs * 2 ** Math.min(failures, 10))
        this.o.log.error({ err, retryInMs: wait }, 'email dispatcher cannot reach the database')
        await this.pause(wait)
      }
    }
    await Promise.all(inFlight)
    await this.recordSent().catch((err: unknown) => this.o.log.error({ err }, 'could not record sent emails at shutdown; they will be sent again'))
  }

  /** Sends one email and records its outcome. */
  private async process(email: EmailOutboxRow): Promise<void> {
    const outcome = await this.deliver(email)
    this.noteReachability(outcome)
    try {
      if (outcome.kind === 'retry') await scheduleRetry(this.o.db, email.id, outcome.error, retryDelayMs(email.attempts, this.o.delivery.retryBaseMs, this.o.delivery.retryMaxMs))
      if (outcome.kind === 'failed') await markFailed(this.o.db, email.id, outcome.error)
    } catch (err) {
      // The database is away: the email's lease brings it back, nothing is lost.
      this.o.log.warn({ err: (err as Error).message, emailId: email.id }, "could not record an email's outcome; it returns after its lease")
    }
  }

  /**
   * Marks accepted emails sent as they are accepted, in groups (whatever was accepted while
   * the previous UPDATE ran), not once per batch: a crash then re-sends only the emails of
   * the last few milliseconds, not a whole batch. Throws when the database is unreachable;
   * the ids stay queued for the next round.
   */
  private async recordSent(): Promise<void> {
    while (this.recording) await this.recording
    if (this.unrecorded.length === 0) return
    const ids = this.unrecorded
    this.unrecorded = []
    try {
      await markSent(this.o.db, ids)
    } catch (err) {
      this.o.metrics.emailSentMarkWriteFailures.inc()
      this.unrecorded.unshift(...ids)
      throw err
    }
  }

  /**
   * EMAIL_CONCURRENCY sends in a row that could not even reach the server: it is down.
   * Claiming more at once would spend an attempt (and a log line) on every queued email;
   * instead stop claiming for a while, longer each round, as each email's own backoff does.
   */
  private noteReachability(outcome: Outcome): void {
    if (outcome.kind !== 'retry' || !outcome.unreachable) {
      if (outcome.kind === 'sent' && this.outageRounds > 0) {
        this.o.log.info({ rounds: this.outageRounds }, 'SMTP server reachable again')
        this.outageRounds = 0
        this.holdUntil = 0
      }
      this.unreachableInARow = 0
      return
    }
    this.unreachableInARow++
    if (this.unreachableInARow < this.o.delivery.concurrency || Date.now() < this.holdUntil) return
    this.unreachableInARow = 0
    this.outageRounds++
    const { retryBaseMs, retryMaxMs } = this.o.delivery
    const wait = retryDelayMs(this.outageRounds, retryBaseMs, Math.min(retryMaxMs, 60_000))
    this.holdUntil = Date.now() + wait
    this.o.log.error({ round: this.outageRounds, retryInMs: wait, error: outcome.error }, 'SMTP server unreachable; deliveries paused')
  }

  private noteSent(id: string): void {
    this.unrecorded.push(id)
    this.startRecording()
  }

  private startRecording(): void {
    if (this.recording || this.unrecorded.length === 0) return
    this.recording = this.recordSent().then(
      () => {
        this.recording = undefined
        this.startRecording()
      },
      // The database is unreachable: the run loop's recordSent retries and reports it.
      () => {
        this.recording = undefined
      },
    )
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
      this.noteSent(email.id)
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
      const unreachable = isUnreachable(err)
      // An unreachable server is reported once per batch (noteReachability), not per email.
      if (!unreachable) log.warn({ emailId: email.id, template: email.template, attempts: email.attempts, error }, 'email send failed; will retry')
      return { kind: 'retry', error, unreachable }
    }
  }
}
