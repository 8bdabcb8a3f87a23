import type { Kysely, Transaction } from 'kysely'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Database, ScheduledJobRow } from '../db/schema.js'
import type { Metrics } from '../metrics.js'
import { claimDueJobs, markJobFailed, markJobsDone, oldestDueAgeSeconds } from './job-store.js'
import { sql } from 'kysely'

/** `cancelled`: the job found nothing left to do (its booking was cancelled meanwhile). */
export type JobOutcome = 'done' | 'cancelled'

/**
 * Writes the effects of a batch of jobs of its kind in the scheduler's transaction (one
 * outcome per job, in order); throwing rolls them all back. Batches let a handler read
 * and write for many jobs in a few statements.
 */
export type JobHandler = (trx: Transaction<Database>, jobs: ScheduledJobRow[]) => Promise<JobOutcome[]>

export interface SchedulerOptions {
  db: Kysely<Database>
  handlers: Record<string, JobHandler>
  /** Now; tests move it instead of sleeping. Due times are compared with it, not the database's clock. */
  clock: () => Date
  pollMs: number
  batchSize: number
  metrics: Pick<Metrics, 'schedulerJobs'>
  log: Logger
  /** After a commit that handled jobs (e.g. to wake the delivery dispatchers). */
  onCommitted?: (handled: number) => void
}

// A failing job is tried again after 2^attempts seconds, at most an hour.
const retryDelayMs = (attempts: number) => Math.min(3_600_000, 1_000 * 2 ** Math.min(attempts, 12))

/**
 * Runs due jobs exactly once across replicas without a lease: a job is claimed with
 * FOR UPDATE SKIP LOCKED in the transaction that writes its effects and marks it done.
 * A replica that dies before its commit takes its claim with it (the database rolls the
 * transaction back), and the next poll anywhere takes the job.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private stopped = false

  constructor(private readonly o: SchedulerOptions) {}

  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  /** How late the oldest due job not yet done is, at the scheduler's clock. */
  oldestDueAgeSeconds(): Promise<number> {
    return oldestDueAgeSeconds(this.o.db, this.o.clock())
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.running = this.runDue()
        .catch((err: unknown) => this.o.log.error({ err }, 'scheduler: could not run due jobs; trying again at the next poll'))
        .finally(() => {
          this.running = undefined
          this.schedule(this.o.pollMs)
        })
    }, ms)
    this.timer.unref()
  }

  /** Runs batches until nothing is due; returns how many jobs were handled. */
  async runDue(): Promise<number> {
    let total = 0
    for (;;) {
      const n = await this.runBatch()
      total += n
      if (n < this.o.batchSize || this.stopped) return total
    }
  }

  /** One transaction: claim up to batchSize due jobs, write their effects, mark them done. */
  async runBatch(): Promise<number> {
    const now = this.o.clock()
    let claimed: ScheduledJobRow[] = []
    let outcomes: JobOutcome[] = []
    try {
      await this.o.db.transaction().execute(async (trx) => {
        claimed = await claimDueJobs(trx, now, this.o.batchSize)
        outcomes = await this.handle(trx, claimed)
        await this.finish(trx, claimed, outcomes)
      })
    } catch (err) {
      if (claimed.length <= 1) {
        if (claimed[0]) await this.failed(claimed[0], err)
        else throw err
        return 0
      }
      // One bad job must not hold back the others: each alone, in its own transaction.
      this.o.log.warn({ err, jobs: claimed.length }, 'scheduler: a batch failed; running its jobs one by one')
      let handled = 0
      for (const job of claimed) handled += await this.runOne(job.id)
      return handled
    }
    this.count(claimed, outcomes)
    if (claimed.length > 0) this.o.onCommitted?.(claimed.length)
    return claimed.length
  }

  private async runOne(id: string): Promise<number> {
    let job: ScheduledJobRow | undefined
    try {
      let outcome: JobOutcome | undefined
      await this.o.db.transaction().execute(async (trx) => {
        const { rows } = await sql<ScheduledJobRow>`SELECT * FROM scheduled_jobs WHERE id = ${id}::uuid AND status = 'scheduled' FOR UPDATE SKIP LOCKED`.execute(trx)
        job = rows[0]
        if (!job) return
        ;[outcome] = await this.handle(trx, [job])
        await this.finish(trx, [job], [outcome!])
      })
      if (!job || !outcome) return 0
      this.count([job], [outcome])
      this.o.onCommitted?.(1)
      return 1
    } catch (err) {
      if (job) await this.failed(job, err)
      return 0
    }
  }

  /** Each kind's jobs to its handler, in one call; outcomes in the order of `jobs`. */
  private async handle(trx: Transaction<Database>, jobs: ScheduledJobRow[]): Promise<JobOutcome[]> {
    const byKind = new Map<string, number[]>()
    for (const [i, job] of jobs.entries()) byKind.set(job.kind, [...(byKind.get(job.kind) ?? []), i])
    const outcomes: JobOutcome[] = new Array(jobs.length)
    for (const [kind, indexes] of byKind) {
      const handler = this.o.handlers[kind]
      if (!handler) throw new Error(`no handler for scheduled job kind "${kind}"`)
      const results = await handler(trx, indexes.map((i) => jobs[i]!))
      for (const [k, i] of indexes.entries()) outcomes[i] = results[k]!
    }
    return outcomes
  }

  private async finish(trx: Transaction<Database>, jobs: ScheduledJobRow[], outcomes: JobOutcome[]): Promise<void> {
    // Stamped when the effects are written, so done_at − due_at is how late the job was handled.
    await markJobsDone(trx, jobs.filter((_, i) => outcomes[i] === 'done').map((j) => j.id), this.o.clock())
    const cancelled = jobs.filter((_, i) => outcomes[i] === 'cancelled').map((j) => j.id)
    if (cancelled.length > 0) await sql`UPDATE scheduled_jobs SET status = 'cancelled', updated_at = now() WHERE id = ANY(${cancelled}::uuid[])`.execute(trx)
  }

  private count(jobs: ScheduledJobRow[], outcomes: JobOutcome[]): void {
    for (const [i, job] of jobs.entries()) this.o.metrics.schedulerJobs.inc({ kind: job.kind, outcome: outcomes[i]! })
  }

  private async failed(job: ScheduledJobRow, err: unknown): Promise<void> {
    this.o.metrics.schedulerJobs.inc({ kind: job.kind, outcome: 'failed' })
    const retryAt = new Date(this.o.clock().getTime() + retryDelayMs(job.attempts))
    this.o.log.error({ err, jobId: job.id, kind: job.kind, attempts: job.attempts + 1, retryAt }, 'scheduler: a job failed; it is tried again later')
    await markJobFailed(this.o.db, job.id, err instanceof Error ? err.message : String(err), retryAt).catch((markError: unknown) =>
      this.o.log.error({ err: markError, jobId: job.id }, 'scheduler: could not record a failed job; it is retried at the next poll'),
    )
  }
}
