import type { Kysely } from 'kysely'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Database } from '../db/schema.js'
import type { Metrics } from '../metrics.js'
import { counts } from '../notifications/notification-store.js'
import { type Change, changesInRange, replaySince } from './change-log.js'
import type { ChannelMessage, NotificationListener } from './notification-channel.js'
import type { SseStream } from './sse-stream.js'
import { earliest } from './stream-position.js'

export interface LiveHubOptions {
  db: Kysely<Database>
  listener: NotificationListener
  metrics: Metrics
  log: Logger
  heartbeatMs: number
  /** Open streams on this instance; past it a new one is refused. */
  maxStreams: number
  /** Open streams of one user on this instance; past it the oldest is closed. */
  maxStreamsPerUser: number
}

/**
 * Keeps the open streams of this instance by user, and turns changes (from any replica)
 * into frames for the users that have a stream here. Messages are handled one after
 * another, so a user sees changes in commit order. One heartbeat timer serves every
 * stream, and runs only while there is one.
 */
export class LiveHub {
  private readonly streams = new Map<string, Set<SseStream>>()
  private queue: Promise<void> = Promise.resolve()
  private heartbeat: NodeJS.Timeout | undefined

  constructor(private readonly o: LiveHubOptions) {
    o.listener.on('message', (message: ChannelMessage) => this.enqueue(() => this.handle(message)))
    // A gap in LISTEN may have hidden changes: send what was missed, and fresh counts.
    o.listener.on('reconnected', () => this.enqueue(() => this.catchUp()))
  }

  get size(): number {
    let n = 0
    for (const set of this.streams.values()) n += set.size
    return n
  }

  get full(): boolean {
    return this.size >= this.o.maxStreams
  }

  /** What the hub holds: for tests and leak checks. */
  stats(): { streams: number; users: number; heartbeatTimer: boolean } {
    return { streams: this.size, users: this.streams.size, heartbeatTimer: this.heartbeat !== undefined }
  }

  /** Holds the stream until it finishes; a user past the cap loses their oldest stream. */
  subscribe(stream: SseStream): void {
    if (stream.closed) return
    const userId = stream.userId
    let set = this.streams.get(userId)
    if (!set) this.streams.set(userId, (set = new Set()))
    set.add(stream)
    this.o.metrics.sseStreams.inc()
    const own = set
    stream.onFinish(() => {
      if (own.delete(stream)) this.o.metrics.sseStreams.dec()
      if (own.size === 0 && this.streams.get(userId) === own) this.streams.delete(userId)
      if (this.streams.size === 0) this.stopHeartbeat()
    })
    // A Set iterates in insertion order: the first is the oldest.
    while (set.size > this.o.maxStreamsPerUser) set.values().next().value!.close()
    if (!this.heartbeat && this.streams.size > 0) {
      this.heartbeat = setInterval(() => this.beat(), this.o.heartbeatMs)
      this.heartbeat.unref()
    }
  }

  closeAll(): void {
    for (const set of [...this.streams.values()]) for (const stream of [...set]) stream.close()
    this.stopHeartbeat()
  }

  /** Waits until every message received so far has been handled (tests, shutdown). */
  async idle(): Promise<void> {
    await this.queue
  }

  private beat(): void {
    for (const set of this.streams.values()) for (const stream of set) stream.heartbeat()
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat)
    this.heartbeat = undefined
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => this.o.log.error({ err }, 'live update failed'))
  }

  private async handle(message: ChannelMessage): Promise<void> {
    // An erased user's tabs drop everything they show, and their streams end.
    for (const userId of message.erased ?? []) {
      for (const stream of [...(this.streams.get(userId) ?? [])]) {
        stream.deliver({ id: message.to, event: 'notification-deleted', data: { all: true } })
        stream.close()
      }
    }
    const here = (message.users ?? [...this.streams.keys()]).filter((u) => this.streams.has(u))
    if (here.length === 0) return
    const horizon = message.xmin === undefined ? null : Number(message.xmin)
    await this.deliver(await changesInRange(this.o.db, message.from, message.to, here, horizon), here)
  }

  /** Each user's changes in seq order, then each user's fresh counts. */
  private async deliver(changes: Change[], userIds: string[]): Promise<void> {
    for (const change of changes) {
      if (!change.frame) continue
      for (const stream of this.streams.get(change.userId) ?? []) stream.deliver(change.frame)
    }
    const touched = [...new Set([...userIds, ...changes.map((c) => c.userId)])].filter((u) => this.streams.has(u))
    if (touched.length === 0) return
    for (const [userId, c] of await counts(this.o.db, touched)) for (const stream of this.streams.get(userId) ?? []) stream.deliverCounts(c)
  }

  private async catchUp(): Promise<void> {
    const users = [...this.streams.keys()]
    if (users.length === 0) return
    const missed: Change[] = []
    for (const userId of users) {
      // The user's streams may have closed while earlier users were read.
      const positions = [...(this.streams.get(userId) ?? [])].map((s) => s.position)
      if (positions.length === 0) continue
      const replay = await replaySince(this.o.db, userId, positions.reduce(earliest))
      if (replay.complete) missed.push(...replay.changes)
      else for (const stream of this.streams.get(userId) ?? []) stream.deliver({ id: replay.head.seq, event: 'reset', data: { reason: replay.reason } })
    }
    // Streams skip what they have sent already (and what predates them).
    await this.deliver(missed, users)
  }
}
