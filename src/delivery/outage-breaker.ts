import { retryDelayMs } from './backoff.js'

/**
 * Pauses one channel while its server cannot be reached: after `threshold` sends in a
 * row that could not even connect, no new claims until `holdUntil`, longer each round.
 * Claiming more meanwhile would spend an attempt (and a log line) on every queued delivery.
 */
export class OutageBreaker {
  holdUntil = 0
  rounds = 0
  private inARow = 0

  constructor(private readonly o: { threshold: number; baseMs: number; maxMs: number }) {}

  /** Milliseconds left in the current pause (≤ 0 when not paused). */
  holdMs(now = Date.now()): number {
    return this.holdUntil - now
  }

  /** A send reached the server; a success ends an outage (answers true then). */
  reached(succeeded: boolean): boolean {
    this.inARow = 0
    if (this.rounds === 0 || !succeeded) return false
    this.rounds = 0
    this.holdUntil = 0
    return true
  }

  /** A send could not reach the server. Answers the new pause when this starts a round. */
  unreachable(now = Date.now()): number | undefined {
    this.inARow++
    if (this.inARow < this.o.threshold || now < this.holdUntil) return undefined
    this.inARow = 0
    this.rounds++
    const wait = retryDelayMs(this.rounds, this.o.baseMs, Math.min(this.o.maxMs, 60_000))
    this.holdUntil = now + wait
    return wait
  }
}
