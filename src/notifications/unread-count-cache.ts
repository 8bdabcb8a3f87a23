import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { ChannelMessage, NotificationListener } from '../live/notification-channel.js'
import { countUnread } from './notification-store.js'

export interface UnreadCountCacheOptions {
  db: Kysely<Database>
  listener: NotificationListener
  maxEntries?: number
  /** A safety net for a connection that died without saying so; changes invalidate at once. */
  ttlMs?: number
}

/**
 * Unread counts kept in memory between changes, so a bell that polls costs no query.
 *
 * Exact, not approximate: every change to a user's notifications sends a NOTIFY on commit
 * (see notification-channel.ts), and every replica drops that user's count when it
 * arrives; the replica that made the change drops it before answering. Counts are served
 * only while the listener is connected, and all are dropped when it reconnects (a gap may
 * have swallowed messages). A count read while any change arrived is not kept: it may
 * predate that change.
 */
export class UnreadCountCache {
  private readonly entries = new Map<string, { count: number; at: number }>()
  private epoch = 0
  private readonly maxEntries: number
  private readonly ttlMs: number
  hits = 0
  misses = 0

  constructor(private readonly o: UnreadCountCacheOptions) {
    this.maxEntries = o.maxEntries ?? 100_000
    this.ttlMs = o.ttlMs ?? 30_000
    o.listener.on('message', (message: ChannelMessage) => this.invalidate(message.kind === 'created' ? message.items.map(([userId]) => userId) : message.users))
    o.listener.on('reconnected', () => this.clear())
  }

  async get(userId: string): Promise<number> {
    const live = this.o.listener.connected
    if (live) {
      const entry = this.entries.get(userId)
      if (entry && Date.now() - entry.at < this.ttlMs) {
        this.hits++
        return entry.count
      }
    }
    this.misses++
    const epoch = this.epoch
    const count = await countUnread(this.o.db, userId)
    if (live && this.o.listener.connected && epoch === this.epoch) this.remember(userId, count)
    return count
  }

  invalidate(userIds: Iterable<string>): void {
    this.epoch++
    for (const userId of userIds) this.entries.delete(userId)
  }

  clear(): void {
    this.epoch++
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }

  private remember(userId: string, count: number): void {
    this.entries.delete(userId)
    // Oldest first in a Map's order: past the bound, the oldest entry goes.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(userId, { count, at: Date.now() })
  }
}
