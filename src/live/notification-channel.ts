import { EventEmitter } from 'node:events'
import pg from 'pg'
import type { FastifyBaseLogger as Logger } from 'fastify'

/**
 * PostgreSQL carries "these notifications changed" between replicas. Triggers on the
 * notifications table log every change in `notification_changes` and send one NOTIFY per
 * statement, delivered to every listener only if and when the transaction commits. The
 * payload is the statement's range of change seqs, and its users while they fit in 8000
 * bytes; listeners read the changes they need from the log (see change-log.ts).
 */
export const CHANNEL = 'bookit_notifications'

export interface ChannelMessage {
  from: number
  to: number
  /** Absent when the list would not fit in a NOTIFY payload: then any user may be affected. */
  users?: string[]
  /** Users erased by user.deleted: their streams end. */
  erased?: string[]
  /** The oldest transaction still running when it was sent (xid8 as text): the horizon of its changes. */
  xmin?: string
}

const isStrings = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((u) => typeof u === 'string'))

function isChannelMessage(value: unknown): value is ChannelMessage {
  const m = value as ChannelMessage
  return typeof m === 'object' && m !== null && Number.isSafeInteger(m.from) && Number.isSafeInteger(m.to) && isStrings(m.users) && isStrings(m.erased) && (m.xmin === undefined || /^\d{1,19}$/.test(m.xmin))
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
    let message: unknown
    try {
      message = JSON.parse(msg.payload)
    } catch (err) {
      this.log.error({ err }, 'unreadable notification channel payload')
      return
    }
    if (isChannelMessage(message)) this.emit('message', message)
    else this.log.error({ payload: msg.payload.slice(0, 200) }, 'unexpected notification channel payload')
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
