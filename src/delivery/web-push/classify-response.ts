import type { SendOutcome } from '../channel.js'

/** Retry-After as seconds or an HTTP date (RFC 9110), in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** What a push service's answer means for this delivery (RFC 8030 section 5, and what FCM, Mozilla and Apple send). */
export function classifyPushResponse(status: number, headers: Record<string, string | string[] | undefined>, body: string): SendOutcome {
  const detail = body.trim().slice(0, 200)
  const error = `push service answered ${status}${detail ? `: ${detail}` : ''}`
  if (status >= 200 && status < 300) {
    const location = headers.location
    return { kind: 'sent', ...(typeof location === 'string' ? { providerId: location } : {}) }
  }
  // The subscription expired or the user revoked it: it will never work again.
  if (status === 404 || status === 410) return { kind: 'gone', error }
  if (status === 429 || status >= 500) {
    const after = retryAfterMs(headers['retry-after'])
    return { kind: 'retry', error, ...(after !== undefined ? { retryAfterMs: after } : {}) }
  }
  // 400 malformed, 401/403 VAPID refused, 413 too large, and any other 4xx: sending the same bytes again cannot help.
  return { kind: 'failed', error }
}
