import type { Kysely } from 'kysely'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Database } from '../db/schema.js'
import type { Metrics } from '../metrics.js'
import { type Counts, counts } from '../notifications/notification-store.js'
import { type Change, type LiveFrame, type Replay, changesInRange, replaySince } from './change-log.js'
import type { ChannelMessage, NotificationListener } from './notification-channel.js'
import type { SseStream } from './sse-stream.js'
import { earliest } from './stream-position.js'

// Heartbeats written between two turns of the event loop: a write is a system call, and
// 10,000 in one go held everything else (ingest, live frames) for a few hundred ms.
const HEARTBEAT_SLICE = 250
// Replays read at once after the listener reconnects: most of the pool, not all of it.
const CATCH_UP_CONCURRENCY = 4

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
  // Kept as a count: every stream opening asks whether the instance is full.
  private open = 0
  private queue: Promise<void> = Promise.resolve()
  private heartbeat: NodeJS.Timeout | undefined
  private beating = false

  constructor(private readonly o: LiveHubOptions) {
    o.listener.on('message', (message: ChannelMessage) => this.enqueue(() => this.handle(message)))
    // A gap in LISTEN may have hidden changes: send what was missed, and fresh counts.
    o.listener.on('reconnected', () => this.enqueue(() => this.catchUp()))
  }

  get size(): number {
    return this.open
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
    this.open++
    this.o.metrics.sseStreams.inc()
    const own = set
    stream.onFinish(() => {
      if (own.delete(stream)) {
        this.open--
        this.o.metrics.sseStreams.dec()
      }
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
    if (this.beating) return
    const streams: SseStream[] = []
    for (const set of this.streams.values()) for (const stream of set) streams.push(stream)
    this.beating = true
    let next = 0
    const slice = () => {
      const end = Math.min(next + HEARTBEAT_SLICE, streams.length)
      // A stream closed meanwhile skips its heartbeat (heartbeat() checks).
      for (; next < end; next++) streams[next]!.heartbeat()
      if (next < streams.length) setImmediate(slice)
      else this.beating = false
    }
    slice()
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
    const horizon = message.xmin === undefined ? null : Number(message.xmin)
    if (message.users) {
      const here = message.users.filter((u) => this.streams.has(u))
      if (here.length === 0) return
      // The users the NOTIFY names get fresh counts (an erasure names some with no change):
      // read beside the changes, both after the commit, so each stream gets one write.
      const [changes, fresh] = await Promise.all([changesInRange(this.o.db, message.from, message.to, here, horizon), counts(this.o.db, here)])
      this.send(changes, fresh)
      return
    }
    // Too many users to name: the log says who changed. Counts go to those users only, not
    // to every stream here (with thousands open, that was a count query and a write per stream).
    // Still filtered by the users here: a retention delete can span a million rows.
    const changes = (await changesInRange(this.o.db, message.from, message.to, [...this.streams.keys()], horizon)).filter((c) => this.streams.has(c.userId))
    const touched = [...new Set(changes.map((c) => c.userId))]
    if (touched.length === 0) return
    this.send(changes, await counts(this.o.db, touched))
  }

  /** Each user's changes in seq order, then each user's fresh counts. */
  private async deliver(changes: Change[], userIds: string[]): Promise<void> {
    const touched = [...new Set([...userIds, ...changes.map((c) => c.userId)])].filter((u) => this.streams.has(u))
    if (touched.length === 0) return
    this.send(changes, await counts(this.o.db, touched))
  }

  /** One write per stream: its changes in seq order, then its count. */
  private send(changes: Change[], fresh: Map<string, Counts>): void {
    const byUser = new Map<string, LiveFrame[]>()
    for (const change of changes) {
      if (!change.frame) continue
      const frames = byUser.get(change.userId)
      if (frames) frames.push(change.frame)
      else byUser.set(change.userId, [change.frame])
    }
    for (const [userId, c] of fresh) {
      for (const stream of this.streams.get(userId) ?? []) stream.deliverBatch(byUser.get(userId) ?? [], c)
    }
  }

  private async catchUp(): Promise<void> {
    const users = [...this.streams.keys()]
    if (users.length === 0) return
    // A few users' replays at a time (live messages wait behind this): one after another,
    // thousands of streams held the live feed for as many round trips.
    const replays: (Replay | undefined)[] = new Array(users.length)
    let next = 0
    const replayNext = async () => {
      for (let i = next++; i < users.length; i = next++) {
        // The user's streams may have closed while other users were read.
        const positions = [...(this.streams.get(users[i]!) ?? [])].map((s) => s.position)
        if (positions.length > 0) replays[i] = await replaySince(this.o.db, users[i]!, positions.reduce(earliest))
      }
    }
    await Promise.all(Array.from({ length: Math.min(CATCH_UP_CONCURRENCY, users.length) }, replayNext))
    const missed: Change[] = []
    users.forEach((userId, i) => {
      const replay = replays[i]
      if (!replay) return
      if (replay.complete) missed.push(...replay.changes)
      else for (const stream of this.streams.get(userId) ?? []) stream.deliver({ id: replay.head.seq, event: 'reset', data: { reason: replay.reason } })
    })
    // Streams skip what they have sent already (and what predates them).
    await this.deliver(missed, users)
  }
}
