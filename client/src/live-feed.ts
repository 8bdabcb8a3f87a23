import type { GetToken, InboxApi, Notification } from './api.js'
import { NotificationStream, type StreamMessage } from './event-stream.js'

/** What every tab's components receive, whichever tab holds the stream. */
export type FeedEvent =
  | { type: 'notification'; notification: Notification }
  | { type: 'notification-updated'; id: string; readAt?: string | null; seenAt?: string | null; archivedAt?: string | null }
  | { type: 'notification-deleted'; id?: string; all?: boolean }
  | { type: 'counts'; unreadCount?: number; unseenCount?: number }
  /** Something may have been missed: refetch. */
  | { type: 'reset' }
  | { type: 'live'; live: boolean }

type Wire = FeedEvent | { type: 'hello' } | { type: 'cursor'; lastEventId: string }

/** The `sub` of a JWT, read without verifying (only to tell users apart); '' for other tokens. */
export function subjectOf(token: string): string {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown }
    return typeof payload.sub === 'string' ? payload.sub : ''
  } catch {
    return ''
  }
}

/** Turns one SSE message into feed events; unknown events are ignored (a newer server). */
export function toFeedEvents(m: StreamMessage): FeedEvent[] {
  if (m.event === 'reset') return [{ type: 'reset' }]
  let data: Record<string, unknown>
  try {
    data = JSON.parse(m.data) as Record<string, unknown>
  } catch {
    return []
  }
  switch (m.event) {
    case 'notification':
      return [{ type: 'notification', notification: data as unknown as Notification }]
    case 'unread-count':
      return [{ type: 'counts', unreadCount: data.count as number, ...(typeof data.unseenCount === 'number' ? { unseenCount: data.unseenCount } : {}) }]
    case 'unseen-count':
      return [{ type: 'counts', unseenCount: data.count as number }]
    case 'notification-updated':
      return [{ ...(data as { id: string }), type: 'notification-updated' }]
    case 'notification-deleted':
      return [{ ...(data as { id?: string; all?: boolean }), type: 'notification-deleted' }]
    default:
      return []
  }
}

/**
 * One stream per browser, shared by its tabs: the tab holding a Web Lock is the leader and
 * holds the stream; it relays what arrives over a BroadcastChannel. When it closes, the
 * browser hands the lock to the next tab, which resumes from the last event id it was told.
 * (A SharedWorker would need a second file served from the same origin as the page, and is
 * missing on Android's Chrome; locks and channels work in every current browser.)
 */
export class LiveFeed {
  private readonly listeners = new Set<(e: FeedEvent) => void>()
  private channel: BroadcastChannel | undefined
  private stream: NotificationStream | undefined
  private releaseLock: (() => void) | undefined
  private lastEventId: string | undefined
  private latestCounts: FeedEvent = { type: 'counts' }
  private live: FeedEvent = { type: 'live', live: false }
  private lockAbort = new AbortController()
  // With ids on the stream the server replays after a reconnect; without, a reconnect refetches.
  private serverSendsIds = false

  constructor(
    private readonly key: string,
    private readonly baseUrl: string,
    private readonly api: InboxApi,
    private readonly getToken: GetToken,
  ) {}

  subscribe(listener: (e: FeedEvent) => void): () => void {
    this.listeners.add(listener)
    if (this.listeners.size === 1) void this.start()
    listener(this.latestCounts)
    listener(this.live)
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size === 0) this.stop()
    }
  }

  /** An event caused here (an action's result): every tab applies it, this one at once. */
  share(event: FeedEvent): void {
    this.deliver(event)
    this.channel?.postMessage(event)
  }

  private async start(): Promise<void> {
    // Fresh each time: an element removed and added again starts the feed again.
    const lockAbort = (this.lockAbort = new AbortController())
    // Tabs share a stream only when they are signed in as the same user.
    const key = `${this.key}:${subjectOf(await Promise.resolve().then(() => this.getToken()).catch(() => ''))}`
    if (lockAbort.signal.aborted) return
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel(key)
      this.channel.onmessage = (e: MessageEvent<Wire>) => this.receive(e.data)
    }
    const locks = (globalThis.navigator as Navigator | undefined)?.locks
    if (locks && this.channel) {
      locks
        .request(key, { signal: lockAbort.signal }, () => {
          this.lead()
          return new Promise<void>((resolve) => (this.releaseLock = resolve))
        })
        .catch(() => undefined) // aborted while waiting: this tab is going away
      this.channel.postMessage({ type: 'hello' } satisfies Wire)
    } else {
      this.lead()
    }
  }

  private stop(): void {
    this.stream?.stop()
    this.stream = undefined
    this.lockAbort.abort()
    this.releaseLock?.()
    this.releaseLock = undefined
    this.channel?.close()
    this.channel = undefined
  }

  private lead(): void {
    const stream = new NotificationStream(this.baseUrl, this.api, {
      connected: (replaying) => {
        this.share({ type: 'live', live: true })
        if (!replaying || !this.serverSendsIds) this.share({ type: 'reset' })
      },
      disconnected: () => this.share({ type: 'live', live: false }),
      message: (m) => {
        if (m.id !== undefined) {
          this.serverSendsIds = true
          this.lastEventId = m.id
          this.channel?.postMessage({ type: 'cursor', lastEventId: m.id } satisfies Wire)
        }
        for (const event of toFeedEvents(m)) this.share(event)
      },
    })
    // A tab taking over resumes where the last leader was.
    stream.lastEventId = this.lastEventId
    this.serverSendsIds = this.lastEventId !== undefined
    this.stream = stream
    stream.start()
  }

  private receive(message: Wire): void {
    if (message.type === 'hello') {
      // A new tab: tell it the counts and state now, rather than after the next change.
      if (this.stream) for (const e of [this.latestCounts, this.live]) this.channel?.postMessage(e)
    } else if (message.type === 'cursor') {
      this.lastEventId = message.lastEventId
    } else {
      this.deliver(message)
    }
  }

  private deliver(event: FeedEvent): void {
    if (event.type === 'counts') this.latestCounts = { ...this.latestCounts, ...event }
    if (event.type === 'live') this.live = event
    for (const listener of this.listeners) listener(event)
  }
}
