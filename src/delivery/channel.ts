import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import type { EmailRenderer } from '../email/render-email.js'
import type { ChannelName } from '../domain/delivery-channels.js'
import type { Metrics } from '../metrics.js'

export type { ChannelName } from '../domain/delivery-channels.js'

/** One message to one destination on one channel: a `deliveries` row as a channel sees it. */
export interface DeliveryJob {
  /** Uuid of the deliveries row; stable across retries (Message-ID, webhook-id, ...). */
  id: string
  channel: ChannelName
  /** Null for webhooks. */
  userId: string | null
  /** Email address, push subscription id, E.164 number, webhook endpoint id. */
  destination: string
  /** E.g. 'booking_confirmed', or the webhook event type. */
  notificationType: string
  notificationId: string | null
  template: string
  locale: string
  /** What the channel renders from; secrets are erased once the delivery is final. */
  payload: Record<string, unknown>
  /** 1 on the first try. */
  attempts: number
  createdAt: Date
}

export type SendOutcome =
  /** Accepted by the server (SMTP Message-ID, SMPP message_id, ...); `templateVersion`: the published template version it was rendered from (null or absent = the file default). */
  | { kind: 'sent'; providerId?: string; templateVersion?: number | null }
  /** This message failed; try it again later (honour Retry-After through retryAfterMs). */
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  /** The server itself cannot be reached: the pipeline pauses the whole channel with backoff. */
  | { kind: 'unreachable'; error: string }
  /** Final, never retried (5xx SMTP reply, 400 from a push service, a template that cannot render, ...). */
  | { kind: 'failed'; error: string }
  /** The destination no longer exists (push 404/410, webhook 410): final, and the channel cleans up in onGone. */
  | { kind: 'gone'; error: string }

export interface Channel {
  readonly name: ChannelName
  /** What log lines call the channel's server during an outage ('SMTP server', 'push service'); default `<name> server`. */
  readonly server?: string
  /** Sends one delivery; never throws for a send failure — classifies it into an outcome. */
  send(job: DeliveryJob, signal: AbortSignal): Promise<SendOutcome>
  /**
   * Optional retry schedule of its own (webhooks follow the Standard Webhooks schedule):
   * the delay before attempt `attempts + 1`, or undefined to give up. Default: the pipeline's.
   */
  retryDelayMs?(attempts: number): number | undefined
  /** Optional clean-up after 'gone' (delete the push subscription, disable the endpoint). */
  onGone?(job: DeliveryJob): Promise<void>
  /** Checks the server can be reached at start-up (logged, never fatal). */
  verify?(): Promise<void>
  close(): Promise<void>
}

/** What a channel factory `create<Name>Channel(deps)` is given; take what you need. */
export interface ChannelDeps {
  config: Config
  db: Kysely<Database>
  log: Logger
  metrics: Metrics
  /** The email templates as published by operators (the email channel renders with it). */
  emailRenderer?: EmailRenderer
}
