import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { type Metrics, countDelivery, observeSend } from '../metrics.js'
import { type RetryPolicy, nextRetryDelayMs } from './backoff.js'
import type { Channel, DeliveryJob, SendOutcome } from './channel.js'
import { type ClaimRef, type ClaimedDelivery, claimDueDeliveries, hasDueDeliveries, markFinal, markSent, scheduleRetry } from './delivery-store.js'
import { OutageBreaker } from './outage-breaker.js'

export interface DispatchSettings extends RetryPolicy {
  /** Deliveries in flight at once on this channel; more are claimed once half are done. */
  batchSize: number
  pollMs: number
  /** Sends in a row that cannot reach the server before the channel pauses. */
  concurrency: number
  /** How long an unfinished claim stays with a live holder (a hung send) before it returns. */
  leaseMs: number
}

/** Who this instance is, as claims record it; see instance-liveness. */
export interface Holder {
  readonly id: string | undefined
  confirm(): Promise<boolean>
}

export interface ChannelDispatcherOptions {
  channel: Channel
  db: Kysely<Database>
  settings: DispatchSettings
  holder: Holder
  metrics: Metrics
  log: Logger
  /** While events are being ingested in a burst: how long to claim nothing new (see IngestPriority). */
  ingestHoldMs?: () => number
  /** What is due and what has expired are judged by this clock when given (tests move it); else the database's and the system's. */
  clock?: () => Date
}

/**
 * How long an accepted delivery may wait for its sent mark: marks are written in groups,
 * because each UPDATE fires the table's statement triggers and a commit whatever its size.
 */
const MARK_LINGER_MS = 50

function describeError(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).slice(0, 1000)
}

export function toJob(row: ClaimedDelivery): DeliveryJob {
  return {
    id: row.id,
    channel: row.channel,
    userId: row.user_id,
    destination: row.destination,
    notificationType: row.notification_type,
    notificationId: row.notification_id,
    template: row.template,
    locale: row.locale,
    payload: row.payload,
    attempts: row.attempts,
    createdAt: new Date(row.created_at),
  }
}

/** A delivery whose moment has passed (`expiresAt` in its payload, e.g. the booking's end). */
function hasExpired(row: ClaimedDelivery, now: number): boolean {
  const expiresAt = row.payload.expiresAt
  return typeof expiresAt === 'string' && Date.parse(expiresAt) <= now
}

/**
 * Sends one channel's due deliveries until stopped. At-least-once: a delivery is marked
 * sent only after its server accepted it; a crash in between sends it again with the same
 * delivery id (Message-ID, webhook-id), so receivers can recognise the copy. Each channel
 * has its own loop, window and outage pause, so a dead SMTP server does not slow push.
 */
export class ChannelDispatcher {
  private running = false
  private loop: Promise<void> | undefined
  private wakeUp: (() => void) | undefined
  private woken = false
  /** The last claim found nothing and nobody has said there is more since: look before claiming. */
  private idle = false
  /** Accepted by the server, not yet marked sent: recorded before anything else. */
  private unrecorded: ClaimRef[] = []
  /** Ids among `unrecorded` whose mark already failed once (counted once in the metric). */
  private readonly held = new Set<string>()
  /** Sends under way (at most settings.concurrency), and the claimed deliveries waiting for one to end. */
  private sending = 0
  private readonly waitingForSlot: (() => void)[] = []
  private recording: Promise<void> | undefined
  private markTimer: NodeJS.Timeout | undefined
  private readonly breaker: OutageBreaker
  /** Aborted when this instance loses its liveness lock: what it claimed is no longer its to send. */
  private fence = new AbortController()
  private readonly name: string
  private readonly server: string

  constructor(private readonly o: ChannelDispatcherOptions) {
    this.name = o.channel.name
    this.server = o.channel.server ?? `${o.channel.name} server`
    this.breaker = new OutageBreaker({ threshold: o.settings.concurrency, baseMs: o.settings.retryBaseMs, maxMs: o.settings.retryMaxMs })
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  /** Asks for an early look at the queue, e.g. right after new deliveries were committed. */
  wake(): void {
    this.woken = true
    this.idle = false
    this.wakeUp?.()
  }

  /** This instance lost its claims: stop every send not yet handed over. */
  fenceOff(): void {
    this.fence.abort(new Error('liveness lock lost'))
    this.fence = new AbortController()
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
   * Keeps up to batchSize deliveries in flight and claims more once half of them are done,
   * so that connections do not wait for a claim, nor for the slowest delivery of a batch.
   */
  private async run(): Promise<void> {
    const inFlight = new Set<Promise<void>>()
    const window = this.o.settings.batchSize
    let failures = 0
    while (this.running) {
      try {
        const hold = Math.max(this.breaker.holdMs(), this.o.ingestHoldMs?.() ?? 0)
        const room = window - inFlight.size
        const holder = this.o.holder.id
        let drained = false
        if (hold <= 0 && room >= window / 2 && holder) {
          await this.recordSent()
          const batch = await this.claim(room, holder)
          drained = batch.length < room
          const signal = this.fence.signal
          for (const row of batch) {
            const task: Promise<void> = this.process(row, signal).finally(() => inFlight.delete(task))
            inFlight.add(task)
          }
        }
        failures = 0
        if (inFlight.size === 0) await this.pause(hold > 0 ? hold : this.o.settings.pollMs)
        // Nothing more is due (or the server is down): finish these, then look again.
        else if (drained || hold > 0 || !holder) await Promise.all(inFlight)
        else await Promise.race(inFlight)
      } catch (err) {
        // The database is unreachable: wait longer each time, log every time (bounded by the wait).
        failures++
        const wait = Math.min(30_000, this.o.settings.pollMs * 2 ** Math.min(failures, 10))
        this.o.log.error({ err, channel: this.name, retryInMs: wait }, 'delivery dispatcher cannot reach the database')
        await this.pause(wait)
      }
    }
    await Promise.all(inFlight)
    await this.recordSent().catch((err: unknown) => {
      const left = this.unrecorded.length
      this.o.metrics.deliveriesSentMarkLost.inc({ channel: this.name, reason: 'shutdown' }, left)
      this.o.log.error({ err, channel: this.name, deliveries: left }, 'deliveries sent but not recorded: could not write their sent marks at shutdown; they will be sent again')
    })
  }

  /** Claims up to `limit`; an idle channel polls with a read first, so its empty polls cost no UPDATE. */
  private async claim(limit: number, holder: string): Promise<ClaimedDelivery[]> {
    const { db, channel, settings, clock } = this.o
    if (this.idle && !(await hasDueDeliveries(db, channel.name, clock?.()))) return []
    const batch = await claimDueDeliveries(db, channel.name, limit, settings.leaseMs, holder, clock?.())
    this.idle = batch.length === 0
    return batch
  }

  /** Sends one delivery and records its outcome. */
  private async process(row: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    const claim = { id: row.id, token: row.claim_token }
    const { metrics, log } = this.o
    try {
      if (hasExpired(row, this.o.clock?.().getTime() ?? Date.now())) {
        countDelivery(metrics, 'expired', this.name, row.template)
        await markFinal(this.o.db, claim, 'expired', 'expired: no longer relevant (its booking has ended)')
        return
      }
      const outcome = await this.send(row, signal)
      if (!outcome) return
      if (outcome.kind === 'unreachable') {
        const wait = this.breaker.unreachable()
        if (wait !== undefined) log.error({ channel: this.name, round: this.breaker.rounds, retryInMs: wait, error: outcome.error }, `${this.server} unreachable; deliveries paused`)
      } else if (this.breaker.reached(outcome.kind === 'sent')) log.info({ channel: this.name }, `${this.server} reachable again`)
      await this.record(row, claim, outcome)
    } catch (err) {
      // The database is away: the claim returns after its lease (or at once if we die), nothing is lost.
      log.warn({ err: describeError(err), channel: this.name, deliveryId: row.id }, "could not record a delivery's outcome; it returns after its lease")
    }
  }

  /**
   * Hands the delivery to its channel, unless this instance can no longer prove it holds
   * the claim. The check comes after a send slot is free, right before the send: the
   * claimed deliveries that wait for a slot are not yet past it, so a pause or a cut-off
   * connection can let at most `concurrency` sends through after a takeover.
   */
  private async send(row: ClaimedDelivery, signal: AbortSignal): Promise<SendOutcome | undefined> {
    await this.acquireSlot()
    try {
      if (signal.aborted || !(await this.o.holder.confirm()) || signal.aborted) {
        // Another instance takes it over; sending it here too would send it twice. (Debug:
        // the loss itself is logged once, not once per delivery.)
        this.o.log.debug({ channel: this.name, deliveryId: row.id }, 'not sending a claimed delivery: this instance lost its liveness lock')
        return undefined
      }
      return await this.sendNow(row, signal)
    } finally {
      this.releaseSlot()
    }
  }

  private acquireSlot(): Promise<void> {
    if (this.sending < this.o.settings.concurrency) {
      this.sending++
      return Promise.resolve()
    }
    return new Promise((resolve) => this.waitingForSlot.push(resolve))
  }

  private releaseSlot(): void {
    const next = this.waitingForSlot.shift()
    if (next) next()
    else this.sending--
  }

  private async sendNow(row: ClaimedDelivery, signal: AbortSignal): Promise<SendOutcome> {
    const started = performance.now()
    let outcome: SendOutcome
    try {
      outcome = await this.o.channel.send(toJob(row), signal)
    } catch (err) {
      // A channel should classify its failures; one that throws gets a plain retry.
      outcome = { kind: 'retry', error: describeError(err) }
    }
    if (outcome.kind === 'sent') {
      observeSend(this.o.metrics, this.name, (performance.now() - started) / 1000)
      this.noteSent({ id: row.id, token: row.claim_token, templateVersion: outcome.templateVersion ?? null, ...(outcome.providerId ? { providerId: outcome.providerId } : {}) })
      countDelivery(this.o.metrics, 'sent', this.name, row.template)
    }
    return outcome
  }

  private async record(row: ClaimedDelivery, claim: ClaimRef, outcome: SendOutcome): Promise<void> {
    const { metrics, log, db, channel, settings } = this.o
    const context = { channel: this.name, deliveryId: row.id, template: row.template, attempts: row.attempts }
    switch (outcome.kind) {
      case 'sent':
        return
      case 'failed':
      case 'gone':
        countDelivery(metrics, 'failed', this.name, row.template)
        log.error({ ...context, error: outcome.error, outcome: outcome.kind }, `${this.name} delivery failed for good`)
        await markFinal(db, claim, 'failed', outcome.kind === 'gone' ? `gone: ${outcome.error}` : outcome.error)
        if (outcome.kind === 'gone' && channel.onGone) await channel.onGone(toJob(row))
        return
      case 'retry':
      case 'unreachable': {
        const age = Date.now() - new Date(row.round_started_at).getTime()
        const planned = nextRetryDelayMs(settings, row.attempts, age, channel.retryDelayMs?.bind(channel))
        if (planned === undefined) {
          countDelivery(metrics, 'failed', this.name, row.template)
          log.error({ ...context, error: outcome.error }, `${this.name} delivery failed for good: out of attempts`)
          await markFinal(db, claim, 'failed', outcome.error)
          return
        }
        const delay = outcome.kind === 'retry' && outcome.retryAfterMs ? Math.max(planned, outcome.retryAfterMs) : planned
        countDelivery(metrics, 'retried', this.name, row.template)
        // An unreachable server is reported once per round (the breaker), not per delivery.
        if (outcome.kind === 'retry') log.warn({ ...context, error: outcome.error, retryInMs: delay }, `${this.name} send failed; will retry`)
        await scheduleRetry(db, claim, outcome.error, delay)
        return
      }
    }
  }

  /**
   * Marks accepted deliveries sent in groups: half a window's worth, or whatever was
   * accepted in MARK_LINGER_MS, or everything before the next claim. A crash then re-sends
   * only those of the last few tens of milliseconds. Throws when the database is
   * unreachable; the claims stay queued for the next round.
   */
  private async recordSent(): Promise<void> {
    while (this.recording) await this.recording
    clearTimeout(this.markTimer)
    this.markTimer = undefined
    if (this.unrecorded.length === 0) return
    const claims = this.unrecorded
    this.unrecorded = []
    let marked: number
    try {
      marked = await markSent(this.o.db, claims)
    } catch (err) {
      this.unrecorded.unshift(...claims)
      const fresh = claims.filter((c) => !this.held.has(c.id))
      for (const c of fresh) this.held.add(c.id)
      if (fresh.length > 0) {
        this.o.metrics.deliveriesSentUnrecorded.inc({ channel: this.name }, fresh.length)
        this.o.log.warn({ channel: this.name, deliveries: fresh.length, err: describeError(err) }, 'sent marks held: the database is unreachable; written when it is back')
      }
      throw err
    }
    for (const c of claims) this.held.delete(c.id)
    if (marked < claims.length) {
      // Taken over while we sent (this instance was paused or cut off): the new holder sends it again.
      this.o.metrics.deliveriesSentMarkLost.inc({ channel: this.name, reason: 'taken_over' }, claims.length - marked)
      this.o.log.warn({ channel: this.name, deliveries: claims.length - marked }, 'deliveries sent but not recorded: their claims were taken over meanwhile')
    }
  }

  private noteSent(claim: ClaimRef): void {
    this.unrecorded.push(claim)
    this.scheduleMarks()
  }

  /** Writes the marks now when a group is full, else within MARK_LINGER_MS. */
  private scheduleMarks(): void {
    if (this.unrecorded.length === 0) return
    if (this.unrecorded.length >= this.o.settings.batchSize / 2) return this.startRecording()
    this.markTimer ??= setTimeout(() => {
      this.markTimer = undefined
      this.startRecording()
    }, MARK_LINGER_MS)
  }

  private startRecording(): void {
    if (this.recording || this.unrecorded.length === 0) return
    this.recording = this.recordSent().then(
      () => {
        this.recording = undefined
        this.scheduleMarks()
      },
      // The database is unreachable: the run loop's recordSent retries and reports it.
      () => {
        this.recording = undefined
      },
    )
  }
}
