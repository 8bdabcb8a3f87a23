import { type Kysely, sql } from 'kysely'
import type { FastifyBaseLogger as Logger } from 'fastify'
import { isQueryCanceled, withCancellableSession } from '../db/cancellable-session.js'
import type { Database } from '../db/schema.js'
import type { Metrics } from '../metrics.js'

export interface RetentionOptions {
  db: Kysely<Database>
  retentionDays: number
  batchSize: number
  log: Logger
  /** Aborted at shutdown: the statement running is cancelled and no further batch starts. */
  signal?: AbortSignal
}

export interface RetentionResult {
  ran: boolean
  notifications: number
  emailBodies: number
  /** Finished deliveries deleted, of every channel... */
  deliveries: number
  /** ...of which emails. */
  emails: number
  /** SMPP message ids (one per SMS part) of deleted SMS deliveries, and of ones deleted otherwise. */
  smsMessages: number
  events: number
}

const nothing = { notifications: 0, emailBodies: 0, deliveries: 0, emails: 0, smsMessages: 0, events: 0 }

// Any fixed number shared by every replica: whoever holds it runs, the others skip.
const LOCK_KEY = 7_304_512_411

/**
 * Deletes what is past its time, in bounded batches so that no statement holds locks for
 * long: notifications and finished deliveries (every channel, with their SMS parts) older
 * than RETENTION_DAYS, the idempotency keys
 * of events that old, and the bodies (template data) of sent emails, which nothing reads again.
 * One replica at a time: a session advisory lock, released by the database if the holder dies.
 * Stopped by `signal`, it throws (AbortError, or query_canceled from the statement cut off);
 * each batch is its own statement, so what is left is deleted at the next run.
 */
export async function runRetention(o: RetentionOptions): Promise<RetentionResult> {
  const signal = o.signal ?? new AbortController().signal
  return withCancellableSession(o.db, signal, async (db) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked`.execute(db)
    if (!rows[0]?.locked) return { ran: false, ...nothing }
    let result: RetentionResult
    try {
      result = await deleteOld(db, o, signal)
    } catch (err) {
      // On a dead connection the unlock fails too; the error worth reporting is the first one.
      // The database drops the lock with the session anyway (at shutdown the pool's sessions
      // end right after, should the cancel have cut off the unlock itself).
      await sql`SELECT pg_advisory_unlock(${LOCK_KEY})`.execute(db).catch((unlockError: unknown) => o.log.warn({ err: unlockError }, 'retention: could not release its lock after a failure; the database releases it with the session'))
      throw err
    }
    await sql`SELECT pg_advisory_unlock(${LOCK_KEY})`.execute(db)
    return result
  })
}

async function deleteOld(db: Kysely<Database>, o: RetentionOptions, signal: AbortSignal): Promise<RetentionResult> {
  const inBatches = (size: number, batch: (limit: number) => Promise<number>) => eachBatch(size, signal, batch)
  const cutoff = sql`now() - make_interval(days => ${o.retentionDays})`
  const result: RetentionResult = { ran: true, ...nothing }
  result.notifications = await inBatches(o.batchSize, async (limit) => {
    const deleted = await sql<{ user_id: string }>`
      DELETE FROM notifications n USING (
        SELECT id FROM notifications WHERE created_at < ${cutoff} ORDER BY created_at LIMIT ${limit}
      ) old WHERE n.id = old.id
      RETURNING n.user_id`.execute(db)
    // Their pages (and counts) change: the table's trigger tells every replica.
    return deleted.rows.length
  })
  // Finished: sent, delivered, failed or expired; a pending one is still to be sent. A failed
  // one is kept until then, so operators can retry it. Its SMS parts go in the same statement.
  result.deliveries = await inBatches(o.batchSize, async (limit) => {
    const deleted = await sql<{ channel: string; parts: number }>`
      WITH old AS (
        DELETE FROM deliveries d USING (
          SELECT id FROM deliveries WHERE status <> 'pending' AND updated_at < ${cutoff} ORDER BY updated_at LIMIT ${limit}
        ) old WHERE d.id = old.id
        RETURNING d.id, d.channel
      ), parts AS (
        DELETE FROM sms_messages s USING old WHERE old.channel = 'sms' AND s.delivery_id = old.id
        RETURNING 1
      )
      SELECT channel, (SELECT count(*)::int FROM parts) AS parts FROM old`.execute(db)
    result.emails += deleted.rows.filter((r) => r.channel === 'email').length
    result.smsMessages += deleted.rows[0]?.parts ?? 0
    return deleted.rows.length
  })
  // Parts whose delivery went another way (a user's erasure) are as old as it would be.
  result.smsMessages += await inBatches(o.batchSize, async (limit) => {
    const deleted = await sql`
      DELETE FROM sms_messages s USING (
        SELECT message_id FROM sms_messages m
        WHERE submitted_at < ${cutoff} AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = m.delivery_id)
        LIMIT ${limit}
      ) old WHERE s.message_id = old.message_id`.execute(db)
    return Number(deleted.numAffectedRows ?? 0)
  })
  result.emailBodies = await inBatches(o.batchSize, async (limit) => {
    const updated = await sql`
      UPDATE email_outbox o SET payload = '{}'::jsonb FROM (
        SELECT id FROM email_outbox WHERE status = 'sent' AND payload <> '{}'::jsonb LIMIT ${limit}
      ) sent WHERE o.id = sent.id`.execute(db)
    return Number(updated.numAffectedRows ?? 0)
  })
  result.events = await inBatches(o.batchSize, async (limit) => {
    const deleted = await sql`
      DELETE FROM processed_events p USING (
        SELECT source, id FROM processed_events WHERE processed_at < ${cutoff} LIMIT ${limit}
      ) old WHERE p.source = old.source AND p.id = old.id`.execute(db)
    return Number(deleted.numAffectedRows ?? 0)
  })
  return result
}

async function eachBatch(size: number, signal: AbortSignal, batch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0
  for (;;) {
    signal.throwIfAborted()
    const n = await batch(size)
    total += n
    if (n < size) return total
  }
}

export interface RetentionSchedulerOptions extends RetentionOptions {
  intervalMs: number
  firstRunMs?: number
  metrics: Pick<Metrics, 'retentionRuns'>
}

/** Runs the job every `intervalMs`, the first time soon after start. */
export class RetentionScheduler {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private stopping = new AbortController()

  constructor(private readonly o: RetentionSchedulerOptions) {}

  start(): void {
    this.stopping = new AbortController()
    this.schedule(this.o.firstRunMs ?? 30_000)
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      const { signal } = this.stopping
      this.running = runRetention({ ...this.o, signal })
        .then((result) => {
          this.o.metrics.retentionRuns.inc({ outcome: result.ran ? 'completed' : 'skipped' })
          if (result.ran && result.notifications + result.emailBodies + result.deliveries + result.smsMessages + result.events > 0) this.o.log.info(result, 'retention: old data deleted')
        })
        .catch((err: unknown) => {
          // Cut short by shutdown: not a failure, and nothing is lost (see runRetention).
          if (signal.aborted && (isQueryCanceled(err) || err === signal.reason)) return this.o.log.info('retention: stopped for shutdown; the rest is deleted at the next run')
          this.o.metrics.retentionRuns.inc({ outcome: 'failed' })
          this.o.log.error({ err }, 'retention run failed; trying again at the next interval')
        })
        .finally(() => {
          this.running = undefined
          if (this.timer) this.schedule(this.o.intervalMs)
        })
    }, ms)
    this.timer.unref()
  }

  /** Cancels a run under way (a batch on a loaded database can take longer than a shutdown may wait). */
  async stop(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    this.stopping.abort()
    await this.running
  }
}
