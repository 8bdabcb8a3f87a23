import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import type { ResolvedTarget } from './address-guard.js'

/** Endpoints have this long to answer (Standard Webhooks recommends a short timeout). */
export const WEBHOOK_TIMEOUT_MS = 15_000

export interface WebhookResponse {
  status: number
  /** Retry-After in milliseconds, when the endpoint sent one we can read. */
  retryAfterMs?: number
}

function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * POSTs a signed body to `url`, connecting to the already checked `target` address
 * (TLS still verifies the certificate against the URL's host name). Redirects are not
 * followed: a 3xx is a failed call, so a redirect cannot lead to an internal address.
 */
export function postWebhook(url: URL, target: ResolvedTarget, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<WebhookResponse> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [target])
    else callback(null, target.address, target.family)
  }
  const transport = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'BookIT-Webhooks/1', ...headers },
        lookup: pinned,
        // The caller's signal carries the timeout (WEBHOOK_TIMEOUT_MS) and shutdown.
        signal,
      },
      (response) => {
        // The body is not needed; read it so the socket is released, but never keep it.
        response.resume()
        response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfterMs: parseRetryAfter(response.headers['retry-after']) }))
        response.on('error', reject)
      },
    )
    request.on('error', reject)
    request.end(body)
  })
}
