import type { Channel, ChannelDeps, DeliveryJob, SendOutcome } from '../channel.js'
import { MAX_WEBHOOK_PAYLOAD_BYTES } from '../../domain/webhook-events.js'
import { ForbiddenAddressError, resolveWebhookTarget } from './address-guard.js'
import { disableEndpoint, endpointForSending, recordFailure, recordSuccess } from './endpoint-store.js'
import { WEBHOOK_TIMEOUT_MS, postWebhook } from './post-webhook.js'
import { webhookRetryDelayMs } from './retry-schedule.js'
import { signatureHeader } from './signing.js'

export interface WebhookChannelDeps extends Pick<ChannelDeps, 'config' | 'db' | 'log'> {
  /** How long an endpoint has to answer; 15 s unless a test says otherwise. */
  timeoutMs?: number
}

/** Answers whose Retry-After is honoured (Standard Webhooks: rate limited, bad gateway, timeout). */
const RETRY_AFTER_STATUSES = new Set([429, 502, 503, 504])

/**
 * The webhook channel: a delivery's destination is an endpoint id, its payload the
 * `{type, timestamp, data}` message. The delivery id is the `webhook-id`, the same on every
 * retry, so receivers can drop a copy.
 */
export function createWebhookChannel({ config, db, log, timeoutMs = WEBHOOK_TIMEOUT_MS }: WebhookChannelDeps): Channel {
  async function failedCall(job: DeliveryJob, error: string, retryAfterMs?: number): Promise<SendOutcome> {
    const disabledBecause = await recordFailure(db, job.destination, error)
    if (disabledBecause) {
      log.warn({ deliveryId: job.id, endpointId: job.destination }, 'webhook endpoint disabled: failing for over 5 days')
      return { kind: 'failed', error: `endpoint disabled: ${disabledBecause}` }
    }
    return { kind: 'retry', error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
  }

  return {
    name: 'webhook',

    async send(job: DeliveryJob, signal: AbortSignal): Promise<SendOutcome> {
      const endpoint = await endpointForSending(db, job.destination)
      if (!endpoint) return { kind: 'failed', error: 'the endpoint was deleted' }
      if (!endpoint.enabled) return { kind: 'failed', error: 'the endpoint is disabled' }
      const body = JSON.stringify(job.payload)
      const size = Buffer.byteLength(body)
      if (size > MAX_WEBHOOK_PAYLOAD_BYTES) return { kind: 'failed', error: `payload of ${size} bytes is over the ${MAX_WEBHOOK_PAYLOAD_BYTES}-byte limit` }

      const url = new URL(endpoint.url)
      let target
      try {
        // Checked at every send, not only at registration: DNS can change after it.
        target = await resolveWebhookTarget(url.hostname, config.webhooks)
      } catch (err) {
        if (err instanceof ForbiddenAddressError) return { kind: 'failed', error: err.message }
        return failedCall(job, `cannot resolve the endpoint's host: ${(err as Error).message}`)
      }

      const at = new Date()
      const headers = {
        'webhook-id': job.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signatureHeader(job.id, at, body, endpoint.secrets),
      }
      let response
      try {
        response = await postWebhook(url, target, headers, body, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]))
      } catch (err) {
        // Shutting down is not the endpoint's failure: no mark against it.
        if (signal.aborted) return { kind: 'retry', error: 'stopped before the endpoint answered' }
        const e = err as Error & { code?: string }
        const reason = e.name === 'TimeoutError' || e.code === 'ABORT_ERR' ? `no answer within ${timeoutMs / 1000} s` : `${e.code ?? e.name}: ${e.message}`
        return failedCall(job, reason)
      }
      if (response.status >= 200 && response.status < 300) {
        await recordSuccess(db, job.destination)
        return { kind: 'sent' }
      }
      if (response.status === 410) return { kind: 'gone', error: 'the endpoint answered 410 Gone' }
      const retryAfterMs = RETRY_AFTER_STATUSES.has(response.status) ? response.retryAfterMs : undefined
      return failedCall(job, `the endpoint answered ${response.status}`, retryAfterMs)
    },

    retryDelayMs: (attempts) => webhookRetryDelayMs(attempts),

    async onGone(job: DeliveryJob): Promise<void> {
      await disableEndpoint(db, job.destination, 'the endpoint answered 410 Gone')
      log.info({ endpointId: job.destination }, 'webhook endpoint disabled: it answered 410 Gone')
    },

    async close(): Promise<void> {},
  }
}
