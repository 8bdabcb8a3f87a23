import { EventEmitter } from 'node:events'
import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Database } from '../db/schema.js'

/**
 * PostgreSQL carries "something changed for these users" between replicas: a NOTIFY sent
 * inside the writing transaction reaches every listener only if and when it commits.
 * Payloads hold ids only; a listener reads the rows it needs for the streams it holds.
 */
export const CHANNEL = 'bookit_notifications'

// NOTIFY payloads must stay under 8000 bytes.
const MAX_PAYLOAD = 7_500

export type ChannelMessage =
  | { kind: 'created'; items: [userId: string, notificationId: string][] }
  | { kind: 'changed'; users: string[] }

function chunk<T>(items: T[], size: (item: T) => number): T[][] {
  const chunks: T[][] = []
  let current: T[] = []
  let bytes = 0
  for (const item of items) {
    const s = size(item)
    if (current.length > 0 && bytes + s > MAX_PAYLOAD) {
      chunks.push(current)
      current = []
      bytes = 0
    }
    current.push(item)
    bytes += s
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}

async function notify(db: Kysely<Database>, payloads: string[]): Promise<void> {
  if (payloads.length === 0) return
  await sql`SELECT pg_notify(${CHANNEL}, p) FROM unnest(${payloads}::text[]) AS p`.execute(db)
}

export async function publishNotificationsCreated(db: Kysely<Database>, created: { id: string; userId: string }[]): Promise<void> {
  const items = created.map((n): [string, string] => [n.userId, n.id])
  const payloads = chunk(items, ([u, id]) => Buffer.byteLength(u) + id.length + 8).map((c) => JSON.stringify({ kind: 'created', items: c }))
  await notify(db, payloads)
}

/** For reads, unreads and deletes: the users whose notifications (and so unread count) changed. */
export async function publishUnreadChanged(db: Kysely<Database>, userIds: string[]): Promise<void> {
  const users = [...new Set(userIds)]
  const payloads = chunk(users, (u) => Buffer.byteLength(u) + 4).map((c) => JSON.stringify({ kind: 'changed', users: c }))
  await notify(db, payloads)
}

/**
 * One dedicated connection that LISTENs and re-LISTENs after losing its connection.
 * Emits `message` with each parsed payload and `reconnected` when a gap may have
 * swallowed messages.
 */
export class NotificationListener extends EventEmitter {
  private client: pg.Client | undefined
  private stopped = false
  private retryTimer: NodeJS.Timeout | undefined
  private attempts = 0
  connected = false

  constructor(
    private readonly connectionString: string,
    private readonly log: Logger,
  ) {
    super()
  }

  /** Takes a NOTIFY from wherever it arrived: this listener's connection, or a pool's. */
  receive(msg: pg.Notification): void {
    if (msg.channel !== CHANNEL || !msg.payload) return
    try {
      this.emit('message', JSON.parse(msg.payload) as ChannelMessage)
    } catch (err) {
      this.log.error({ err }, 'unreadable notification channel payload')
    }
  }

  async start(): Promise<void> {
    await this.connect()
  }

  private async connect(): Promise<void> {
    if (this.stopped) return
    // Keepalive probes find a silently dead connection (caches trust this one to carry every change).
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'bookit-notifications-listener', keepAlive: true, keepAliveInitialDelayMillis: 10_000 })
    client.on('error', (err) => {
      this.log.warn({ err }, 'notification listener lost its database connection')
      this.reconnectSoon(client)
    })
    client.on('end', () => this.reconnectSoon(client))
    client.on('notification', (msg) => this.receive(msg))
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANNEL}`)
      this.client = client
      const wasReconnect = this.attempts > 0
      this.attempts = 0
      this.connected = true
      if (wasReconnect) this.emit('reconnected')
    } catch (err) {
      this.log.warn({ err }, 'notification listener could not connect')
      this.reconnectSoon(client)
    }
  }

  private reconnectSoon(client: pg.Client): void {
    if (this.stopped || this.retryTimer || (this.client && this.client !== client)) return
    this.connected = false
    this.client = undefined
    client.removeAllListeners('end')
    client.end().catch(() => {})
    this.attempts++
    const delay = Math.min(10_000, 100 * 2 ** Math.min(this.attempts, 7))
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      void this.connect()
    }, delay)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.retryTimer)
    const client = this.client
    this.client = undefined
    this.connected = false
    if (client) {
      client.removeAllListeners('end')
      await client.end().catch(() => {})
    }
  }
}
