import { rootCertificates } from 'node:tls'
import { Agent } from 'node:https'
import webPush from 'web-push'
import type { WebPushConfig } from '../../config.js'
import type { Channel, ChannelDeps, DeliveryJob, SendOutcome } from '../channel.js'
import { ForbiddenAddressError, PUSH_ENDPOINTS, checkLiteralHost, guardedLookup } from '../webhook/address-guard.js'
import { classifyPushResponse } from './classify-response.js'
import { composePush } from './compose-push.js'
import { postToPushService } from './push-request.js'
import { deleteSubscription, findSubscriptionWithUnread } from './subscription-store.js'

export interface WebPushChannelOptions {
  /** Extra certificate authorities to trust besides the system's (a test push service's self-signed CA). */
  ca?: string | Buffer
  /** How long to wait for a push service's answer (default 10 s). */
  timeoutMs?: number
  /** Concurrent connections per push service (default 50). */
  maxSockets?: number
}

// Plaintext limit of one aes128gcm record in the 4096 bytes every push service accepts (RFC 8291 section 4).
const MAX_PLAINTEXT = 3993
// The VAPID JWT lives 12 h (RFC 8292 allows up to 24 h); one is signed per push service an hour, not per message.
const VAPID_LIFETIME_S = 12 * 60 * 60
const VAPID_REUSE_MS = 60 * 60 * 1000
const ANSWERED_LATELY_MS = 5 * 60 * 1000

/**
 * Web Push (RFC 8030, 8291, 8292): encrypts with the `web-push` package's
 * `generateRequestDetails` (aes128gcm) and sends with our own keep-alive agent, timeout and
 * abort signal, so a slow push service cannot hold a delivery and errors are classified here.
 */
export function createWebPushChannel(deps: ChannelDeps, options: WebPushChannelOptions = {}): Channel {
  const { db, log } = deps
  const vapid: WebPushConfig | undefined = deps.config.webPush
  // Push off (production without keys): deliveries planned for subscriptions made while it was on end failed, visibly, instead of waiting forever.
  if (!vapid) return { name: 'push', server: 'push service', send: async () => ({ kind: 'failed', error: 'Web Push is off: WEB_PUSH_PUBLIC_KEY and WEB_PUSH_PRIVATE_KEY are not set' }), close: async () => {} }
  const appUrl = deps.config.appUrl
  const timeoutMs = options.timeoutMs ?? 10_000
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 50, ...(options.ca ? { ca: [...rootCertificates, String(options.ca)] } : {}) })
  // Endpoints come from users: checked at subscription and again on every connection (DNS can
  // change after the check), so a subscription cannot make this service call internal addresses.
  const guard = deps.config.pushEndpoints
  const lookup = guardedLookup(guard, PUSH_ENDPOINTS)
  const captureDevices = deps.config.env === 'development' ? `${deps.config.publicUrl}/dev/push/devices/` : undefined

  // Endpoints come from browsers, that is from users: one pointing at a host that never
  // answers must not pause everyone's pushes. A network error is the channel's outage only
  // when no other push service has answered lately; otherwise it is that endpoint's, retried.
  const lastAnswer = new Map<string, number>()
  function someoneElseAnswered(origin: string): boolean {
    const since = Date.now() - ANSWERED_LATELY_MS
    for (const [other, at] of lastAnswer) if (other !== origin && at >= since) return true
    return false
  }

  const vapidHeaders = new Map<string, { authorization: string; renewAt: number }>()
  function authorization(endpoint: string): string {
    const audience = new URL(endpoint).origin
    const cached = vapidHeaders.get(audience)
    if (cached && cached.renewAt > Date.now()) return cached.authorization
    const expiration = Math.floor(Date.now() / 1000) + VAPID_LIFETIME_S
    const { Authorization } = webPush.getVapidHeaders(audience, vapid!.subject, vapid!.publicKey, vapid!.privateKey, 'aes128gcm', expiration)
    vapidHeaders.set(audience, { authorization: Authorization, renewAt: Date.now() + VAPID_REUSE_MS })
    return Authorization
  }

  return {
    name: 'push',
    server: 'push service',

    async send(job: DeliveryJob, signal: AbortSignal): Promise<SendOutcome> {
      let subscription
      try {
        subscription = await findSubscriptionWithUnread(db, job.destination)
      } catch (err) {
        return { kind: 'retry', error: `database: ${(err as Error).message}` }
      }
      if (!subscription) return { kind: 'gone', error: 'the push subscription no longer exists' }
      // The endpoint moved to another user (same browser, new sign-in): never show them this one's messages.
      if (job.userId !== null && subscription.user_id !== job.userId) return { kind: 'failed', error: 'the push subscription now belongs to another user' }

      const push = composePush(job, { appUrl, unreadCount: subscription.unread })
      const plaintext = JSON.stringify(push.message)
      if (Buffer.byteLength(plaintext) > MAX_PLAINTEXT) return { kind: 'failed', error: `message is ${Buffer.byteLength(plaintext)} bytes, over the ${MAX_PLAINTEXT} a push service must take` }

      let details: webPush.RequestDetails
      try {
        details = webPush.generateRequestDetails({ endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } }, plaintext, {
          TTL: push.ttlSeconds,
          urgency: push.urgency,
          ...(push.topic ? { topic: push.topic } : {}),
          contentEncoding: 'aes128gcm',
        })
      } catch (err) {
        return { kind: 'failed', error: `cannot encrypt for this subscription: ${(err as Error).message}` }
      }
      const headers: Record<string, string | number> = { ...(details.headers as Record<string, string | number>), Authorization: authorization(subscription.endpoint) }

      const origin = new URL(subscription.endpoint).origin
      // Development's capture device lives on this service itself (plain http, loopback): the
      // address guard is for endpoints users supply, and the API takes https ones only.
      const ownCaptureDevice = captureDevices !== undefined && subscription.endpoint.startsWith(captureDevices)
      if (!ownCaptureDevice && !subscription.endpoint.startsWith('https:')) return { kind: 'failed', error: 'push endpoints must be https URLs' }
      try {
        if (!ownCaptureDevice) checkLiteralHost(new URL(origin).hostname, guard, PUSH_ENDPOINTS)
        const response = await postToPushService(subscription.endpoint, headers, details.body, { agent, timeoutMs, signal, lookup })
        lastAnswer.set(origin, Date.now())
        return classifyPushResponse(response.status, response.headers, response.body)
      } catch (err) {
        if (err instanceof ForbiddenAddressError) return { kind: 'failed', error: err.message }
        const e = err as NodeJS.ErrnoException
        if (signal.aborted) return { kind: 'retry', error: 'aborted while sending (shutting down)' }
        const error = `push service ${new URL(origin).host} unreachable: ${e.code ? `${e.code} ` : ''}${e.message}`
        return someoneElseAnswered(origin) ? { kind: 'retry', error } : { kind: 'unreachable', error }
      }
    },

    async onGone(job: DeliveryJob): Promise<void> {
      await deleteSubscription(db, job.destination)
      log.info({ subscriptionId: job.destination, deliveryId: job.id }, 'push subscription gone; deleted')
    },

    async close(): Promise<void> {
      agent.destroy()
    },
  }
}
