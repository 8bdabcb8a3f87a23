import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Kysely } from 'kysely'
import { isQueryCanceled, withCancellableSession } from '../db/cancellable-session.js'
import type { Database } from '../db/schema.js'
import type { Metrics } from '../metrics.js'
import { foldStatsDeltas } from './stats-store.js'

export interface StatsFolderOptions {
  db: Kysely<Database>
  intervalMs: number
  metrics: Pick<Metrics, 'statsFolds' | 'statsDeltasFolded'>
  log: Logger
}

/**
 * Folds the statistics deltas into the rollups every `intervalMs`, on every replica (folds
 * take disjoint batches). Answers never wait for it: they read pending deltas too; folding
 * keeps that part small.
 */
export class StatsFolder {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private stopping = new AbortController()

  constructor(private readonly o: StatsFolderOptions) {}

  start(): void {
    this.stopping = new AbortController()
    this.schedule(this.o.intervalMs)
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      const started = performance.now()
      const { signal } = this.stopping
      this.running = withCancellableSession(this.o.db, signal, (session) => foldStatsDeltas(session, undefined, signal))
        .then((result) => {
          this.o.metrics.statsFolds.inc({ outcome: 'completed' })
          this.o.metrics.statsDeltasFolded.inc(result.deltas)
        })
        .catch((err: unknown) => {
          // Cut short by shutdown: not a failure (the alert on failed folds would count it).
          if (signal.aborted && (isQueryCanceled(err) || err === signal.reason)) return this.o.log.info('stats: fold stopped for shutdown; its deltas stay pending for the next fold')
          // Nothing is lost: a failed fold's statement rolled back, its deltas wait for the next.
          this.o.metrics.statsFolds.inc({ outcome: 'failed' })
          this.o.log.error({ err, elapsedMs: Math.round(performance.now() - started), nextInMs: this.o.intervalMs }, 'stats: folding the deltas into the rollups failed; they stay pending for the next fold')
        })
        .finally(() => {
          this.running = undefined
          if (this.timer) this.schedule(this.o.intervalMs)
        })
    }, ms)
    this.timer.unref()
  }

  /** Cancels a fold under way: one waiting on a row lock, or slowed by a loaded database, would hold up shutdown. */
  async stop(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    this.stopping.abort()
    await this.running
  }
}
