import type { Kysely } from 'kysely'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Database } from '../db/schema.js'
import type { Metrics } from '../metrics.js'
import { notificationsByIds, toView, unreadCounts, type NotificationView } from '../notifications/notification-store.js'
import type { ChannelMessage, NotificationListener } from './notification-channel.js'

/** One open stream: the SSE route turns these calls into `event:` frames. */
export interface LiveStream {
  notification(n: NotificationView): void
  unreadCount(count: number): void
  close(): void
}

/**
 * Keeps the open streams of this instance by user, and turns channel messages (from any
 * replica) into frames for the users that have a stream here. Messages are handled one
 * after another, so a user sees notifications in commit order.
 */
export class LiveHub {
  private readonly streams = new Map<string, Set<LiveStream>>()
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly db: Kysely<Database>,
    listener: NotificationListener,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    listener.on('message', (message: ChannelMessage) => this.enqueue(() => this.handle(message)))
    // A gap in LISTEN may have hidden changes: refresh every stream's count.
    listener.on('reconnected', () => this.enqueue(() => this.refreshCounts([...this.streams.keys()])))
  }

  get size(): number {
    let n = 0
    for (const set of this.streams.values()) n += set.size
    return n
  }

  subscribe(userId: string, stream: LiveStream): () => void {
    let set = this.streams.get(userId)
    if (!set) this.streams.set(userId, (set = new Set()))
    set.add(stream)
    this.metrics.sseStreams.inc()
    return () => {
      if (set.delete(stream)) this.metrics.sseStreams.dec()
      if (set.size === 0 && this.streams.get(userId) === set) this.streams.delete(userId)
    }
  }

  closeAll(): void {
    for (const set of this.streams.values()) for (const stream of set) stream.close()
  }

  /** Waits until every message received so far has been handled (tests, shutdown). */
  async idle(): Promise<void> {
    await this.queue
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => this.log.error({ err }, 'live update failed'))
  }

  private async handle(message: ChannelMessage): Promise<void> {
    if (this.streams.size === 0) return
    if (message.kind === 'created') {
      const ids = message.items.filter(([userId]) => this.streams.has(userId)).map(([, id]) => id)
      if (ids.length === 0) return
      const rows = await notificationsByIds(this.db, ids)
      for (const row of rows) for (const stream of this.streams.get(row.user_id) ?? []) stream.notification(toView(row))
      await this.refreshCounts([...new Set(rows.map((r) => r.user_id))])
    } else {
      await this.refreshCounts(message.users.filter((u) => this.streams.has(u)))
    }
  }

  private async refreshCounts(userIds: string[]): Promise<void> {
    if (userIds.length === 0) return
    const counts = await unreadCounts(this.db, userIds)
    for (const [userId, count] of counts) for (const stream of this.streams.get(userId) ?? []) stream.unreadCount(count)
  }
}
