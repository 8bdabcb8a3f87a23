import type { ServerResponse } from 'node:http'
import type { Counts } from '../notifications/notification-store.js'
import { type LiveFrame, countFrame } from './change-log.js'
import { type StreamPosition, advance, covers, formatPosition } from './stream-position.js'

// setTimeout takes at most 2^31-1 ms (~24.8 days); a token valid longer is checked again then.
const MAX_TIMER_MS = 2 ** 31 - 1
// Change seqs remembered per stream, so a change that arrives both live and in a catch-up
// is sent once; duplicates only ever come from a short overlap, so a small window suffices.
const RECENT_SEQS = 512
// How much of a stream's first frames goes into one write (see start()).
const BATCH_BYTES = 32 * 1024
// Unsent bytes a stream may still hold at a heartbeat (see heartbeat()).
const MAX_BUFFERED_BYTES = 256 * 1024

export interface SseStreamOptions {
  userId: string
  /** When the credential the stream was opened with expires (ms since the epoch). */
  expiresAt: number
  /** What the client has (the head at open, or its Last-Event-ID). */
  since: StreamPosition
}

/**
 * One open text/event-stream. Every path that ends it (the client leaves, the token
 * expires, the user opens too many, shutdown) goes through `finish`, which runs the
 * cleanups once: nothing it registered (hub entry, timers) outlives it.
 */
export class SseStream {
  /** Expiry timers alive across all streams: for tests and leak checks. */
  static activeTimers = 0

  readonly userId: string
  private since: StreamPosition
  closed = false
  private at: StreamPosition
  private started = false
  private pending: LiveFrame[] = []
  private batch: string[] | undefined
  private batchBytes = 0
  private readonly recent = new Set<number>()
  private readonly cleanups: (() => void)[] = []
  private expiryTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly res: ServerResponse,
    private readonly o: SseStreamOptions,
  ) {
    this.userId = o.userId
    this.since = o.since
    this.at = o.since
    // Registered before anything asynchronous happens: a client that leaves during setup
    // is seen here whatever the handler is waiting for.
    res.on('close', () => this.finish())
    this.scheduleExpiry()
  }

  /** What this stream's client has by now (its last `id:`): where a catch-up starts. */
  get position(): StreamPosition {
    return this.at
  }

  onFinish(cleanup: () => void): void {
    if (this.closed) cleanup()
    else this.cleanups.push(cleanup)
  }

  /**
   * Sends the headers and the first frames, then whatever arrived while they were read.
   * `since` moves back to a Last-Event-ID when the first frames replay from there.
   */
  start(initial: LiveFrame[], since = this.since): void {
    if (this.closed) return
    this.since = since
    this.at = since
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold frames back.
      'x-accel-buffering': 'no',
    })
    this.started = true
    const pending = this.pending
    this.pending = []
    // The first frames (a replay may hold a thousand) leave a few kilobytes per write, not
    // one write each: a write per frame cost more than the frames, and the client can
    // start reading before the last one is ready.
    this.batch = ['retry: 3000\n\n']
    this.batchBytes = 0
    for (const frame of initial) this.deliver(frame)
    for (const frame of pending) this.deliver(frame)
    this.flush()
    this.batch = undefined
  }

  deliver(frame: LiveFrame): void {
    if (this.closed) return
    // Checked when sent: `since` may still move back to the client's Last-Event-ID.
    if (!this.started) return void this.pending.push(frame)
    if (frame.event !== 'unread-count' && frame.event !== 'reset') {
      if (covers(this.since, frame.id, frame.xid ?? null) || this.recent.has(frame.id)) return
      this.recent.add(frame.id)
      if (this.recent.size > RECENT_SEQS) this.recent.delete(this.recent.values().next().value!)
      this.at = advance(this.at, frame.id, frame.horizon ?? null)
    }
    this.write(`id: ${formatPosition(this.at)}\nevent: ${frame.event}\ndata: ${JSON.stringify(frame.data)}\n\n`)
  }

  /** A fresh count, under the position of what this stream has sent. */
  deliverCounts(counts: Counts): void {
    this.deliver(countFrame(this.at.seq, counts))
  }

  /**
   * Frames then a count in one write: a socket write is a system call, and with thousands
   * of streams one per frame is most of what a change costs.
   */
  deliverBatch(frames: LiveFrame[], counts: Counts): void {
    if (this.closed) return
    this.batch = []
    this.batchBytes = 0
    for (const frame of frames) this.deliver(frame)
    this.deliverCounts(counts)
    this.flush()
    this.batch = undefined
  }

  heartbeat(): void {
    if (!this.started || this.closed) return
    // Still this much unsent a heartbeat later: the client is not reading. A burst (a long
    // replay) is fine; a backlog that stays is let go rather than held in memory.
    if (this.res.writableLength > MAX_BUFFERED_BYTES) {
      this.res.destroy()
      this.finish()
      return
    }
    this.write(`: heartbeat ${new Date().toISOString()}\n\n`)
  }

  /** Ends the stream; before it started, only the bookkeeping (the handler answers). */
  close(): void {
    if (this.closed) return
    if (this.started) this.res.end()
    this.finish()
  }

  private write(text: string): void {
    if (!this.batch) return void this.res.write(text)
    this.batch.push(text)
    this.batchBytes += text.length
    if (this.batchBytes >= BATCH_BYTES) this.flush()
  }

  private flush(): void {
    if (this.batch && this.batch.length > 0 && !this.closed) this.res.write(this.batch.join(''))
    if (this.batch) this.batch.length = 0
    this.batchBytes = 0
  }

  private scheduleExpiry(): void {
    const left = this.o.expiresAt - Date.now()
    if (left <= 0) return void queueMicrotask(() => this.close())
    SseStream.activeTimers++
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined
      SseStream.activeTimers--
      if (left > MAX_TIMER_MS) this.scheduleExpiry()
      else this.close()
    }, Math.min(left, MAX_TIMER_MS))
  }

  private finish(): void {
    if (this.closed && this.cleanups.length === 0 && !this.expiryTimer) return
    this.closed = true
    if (this.expiryTimer) {
      clearTimeout(this.expiryTimer)
      this.expiryTimer = undefined
      SseStream.activeTimers--
    }
    this.pending = []
    for (const cleanup of this.cleanups.splice(0)) cleanup()
  }
}
