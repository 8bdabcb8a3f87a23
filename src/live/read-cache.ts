import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Metrics } from '../metrics.js'
import { type Counts, type ListQuery, counts, listNotifications } from '../notifications/notification-store.js'
import type { ChannelMessage, NotificationListener } from './notification-channel.js'

export interface ReadCacheOptions {
  db: Kysely<Database>
  listener: NotificationListener
  metrics: Metrics
  /** Users whose counts are kept. */
  maxCounts?: number
  /** Users whose first pages are kept (a page is a few KB, a count a few bytes). */
  maxPageUsers?: number
  /** Characters of page JSON kept in all: the bound that holds whatever a page weighs. */
  maxPageChars?: number
  /** A safety net for a connection that died without saying so; changes invalidate at once. */
  ttlMs?: number
}

type Query = Omit<ListQuery, 'cursor'>

/**
 * What a bell and its dropdown poll, kept in memory between changes: each user's unread
 * count and first pages. A poll that finds nothing new costs no query.
 *
 * Exact, not approximate: every change to a user's notifications sends a NOTIFY on commit
 * (triggers, see notification-channel.ts), and every replica drops that user's entries when it
 * arrives; the replica that made the change drops them before answering. Entries are
 * served only while the listener is connected, and all are dropped when it reconnects (a
 * gap may have swallowed messages). A value read while any change arrived is not kept: it
 * may predate that change.
 */
export class ReadCache {
  private readonly countsByUser = new Map<string, { counts: Counts; at: number }>()
  private readonly pages = new Map<string, PageEntry>()
  private pageChars = 0
  private epoch = 0
  private readonly maxCounts: number
  private readonly maxPageUsers: number
  private readonly maxPageChars: number
  private readonly ttlMs: number

  constructor(private readonly o: ReadCacheOptions) {
    this.maxCounts = o.maxCounts ?? 100_000
    this.maxPageUsers = o.maxPageUsers ?? 5_000
    // 5,000 users' pages of 20 notifications came to about 70 MB, and a service on the
    // 128 MB heap of `npm start` ran out of memory when traffic was spread over 10,000 users.
    this.maxPageChars = o.maxPageChars ?? 24 * 1024 * 1024
    this.ttlMs = o.ttlMs ?? 300_000
    // A message too large to name its users may concern anyone.
    o.listener.on('message', (message: ChannelMessage) => (message.users ? this.invalidate(message.users) : this.clear()))
    o.listener.on('reconnected', () => this.clear())
  }

  /** The user's unread and unseen counts. */
  counts(userId: string): Promise<Counts> {
    return this.through(
      'count',
      () => this.fresh(this.countsByUser.get(userId))?.counts,
      async () => (await counts(this.o.db, [userId])).get(userId)!,
      (value) => remember(this.countsByUser, userId, { counts: value, at: Date.now() }, this.maxCounts),
    )
  }

  async unreadCount(userId: string): Promise<number> {
    return (await this.counts(userId)).unread
  }

  /** How many users' counts and pages are held (tests: the bounds hold). */
  get sizes(): { counts: number; pages: number; pageChars: number } {
    return { counts: this.countsByUser.size, pages: this.pages.size, pageChars: this.pageChars }
  }

  /**
   * A first page as the list endpoint answers it, JSON with the unread count included:
   * both change only together with the user's notifications, so both are dropped together.
   */
  firstPageJson(userId: string, q: Query): Promise<string> {
    const key = `${q.limit}|${q.status}|${q.type ?? ''}|${q.archived}|${q.category ?? ''}`
    return this.through(
      'page',
      () => this.fresh(this.pages.get(userId))?.byQuery.get(key),
      async () => {
        const [page, c] = await Promise.all([listNotifications(this.o.db, userId, q), this.counts(userId)])
        return JSON.stringify({ ...page, unreadCount: c.unread, unseenCount: c.unseen })
      },
      (json) => {
        const entry = this.pages.get(userId)
        const byQuery = new Map(entry?.byQuery)
        // A handful of shapes per user (the bell, the dropdown, a filter); past that, the oldest goes.
        if (byQuery.size >= 4 && !byQuery.has(key)) byQuery.delete(byQuery.keys().next().value!)
        byQuery.set(key, json)
        this.keepPages(userId, { byQuery, at: entry?.at ?? Date.now(), chars: 0 })
      },
    )
  }

  invalidate(userIds: Iterable<string>): void {
    this.epoch++
    for (const userId of userIds) {
      this.countsByUser.delete(userId)
      this.dropPages(userId)
    }
  }

  clear(): void {
    this.epoch++
    this.countsByUser.clear()
    this.pages.clear()
    this.pageChars = 0
  }

  /** Keeps a user's pages as the newest; the oldest users' go while either bound is passed. */
  private keepPages(userId: string, entry: PageEntry): void {
    this.dropPages(userId)
    for (const json of entry.byQuery.values()) entry.chars += json.length
    if (entry.chars > this.maxPageChars) return
    while (this.pages.size > 0 && (this.pages.size >= this.maxPageUsers || this.pageChars + entry.chars > this.maxPageChars)) this.dropPages(this.pages.keys().next().value!)
    this.pages.set(userId, entry)
    this.pageChars += entry.chars
  }

  private dropPages(userId: string): void {
    const entry = this.pages.get(userId)
    if (!entry) return
    this.pageChars -= entry.chars
    this.pages.delete(userId)
  }

  private fresh<T extends { at: number }>(entry: T | undefined): T | undefined {
    return entry && Date.now() - entry.at < this.ttlMs ? entry : undefined
  }

  private async through<T>(kind: 'count' | 'page', cached: () => T | undefined, load: () => Promise<T>, store: (value: T) => void): Promise<T> {
    const live = this.o.listener.connected
    if (live) {
      const value = cached()
      if (value !== undefined) {
        this.o.metrics.readCacheLookups.inc({ kind, result: 'hit' })
        return value
      }
    }
    this.o.metrics.readCacheLookups.inc({ kind, result: 'miss' })
    const epoch = this.epoch
    const value = await load()
    if (live && this.o.listener.connected && epoch === this.epoch) store(value)
    return value
  }
}

interface PageEntry {
  byQuery: Map<string, string>
  at: number
  /** The JSON's length, summed: what the pages bound counts. */
  chars: number
}

/** Sets a key as the newest; past the bound, the oldest entry (first in a Map's order) goes. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key)
  if (map.size >= max) map.delete(map.keys().next().value!)
  map.set(key, value)
}
