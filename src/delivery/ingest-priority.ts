/** A batch at least this large means events are waiting in the queue: a burst. */
const BURST_BATCH_EVENTS = 20
/** How long after a burst's last large batch the dispatchers stay back. */
const BURST_QUIET_MS = 250
/** However long a burst lasts, one window of deliveries goes out at least this often. */
const MAX_INGEST_DEFER_MS = 5_000

/**
 * Ingest first, deliveries right after: while the consumer commits large batches (a burst,
 * events waiting in the queue) the dispatchers claim nothing new, so rendering, encryption
 * and sockets do not take the CPU from ingest; they start when the burst is over. A steady
 * trickle (small batches) is delivered at once. An endless burst lets one window out every
 * MAX_INGEST_DEFER_MS for the whole pipeline, not per channel: with four channels, a window
 * each took four times the CPU from ingest. Deliveries are late in a burst, never starved.
 */
export class IngestPriority {
  private burstUntil = 0
  private deferringSince: number | undefined

  afterIngest(batchEvents: number, now = Date.now()): void {
    if (batchEvents >= BURST_BATCH_EVENTS) this.burstUntil = now + BURST_QUIET_MS
  }

  /** How long a dispatcher should leave the CPU to ingest; 0 to claim now (the one that gets 0 in a burst takes the window). */
  holdMs(now = Date.now()): number {
    const left = this.burstUntil - now
    if (left <= 0) {
      this.deferringSince = undefined
      return 0
    }
    this.deferringSince ??= now
    if (now - this.deferringSince < MAX_INGEST_DEFER_MS) return left
    this.deferringSince = now
    return 0
  }
}
