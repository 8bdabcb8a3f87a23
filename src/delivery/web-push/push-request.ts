import { request as plainRequest } from 'node:http'
import { Agent, request } from 'node:https'
import type { LookupFunction } from 'node:net'

export interface PushResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** POSTs one encrypted message to a push service; rejects only when no answer came (network, TLS, timeout, abort). */
export function postToPushService(
  endpoint: string,
  headers: Record<string, string | number>,
  body: Buffer | null,
  { agent, timeoutMs, signal, lookup }: { agent: Agent; timeoutMs: number; signal: AbortSignal; lookup?: LookupFunction },
): Promise<PushResponse> {
  return new Promise((resolve, reject) => {
    // A signal of its own per request: many sends share the caller's, and each request listens on its signal.
    // Push services speak HTTPS only; plain http is the development capture device on this
    // service (subscriptions made through the API must be https), which the address guard
    // (for endpoints that users supply) does not apply to.
    const send = endpoint.startsWith('http:') ? plainRequest : request
    const req = send(endpoint, { method: 'POST', headers, ...(send === request ? { agent, ...(lookup ? { lookup } : {}) } : {}), signal: AbortSignal.any([signal]), timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        // An error page can be large; its first kilobytes say enough.
        if (size < 8192) chunks.push(chunk)
        size += chunk.length
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })))
    req.on('error', reject)
    req.end(body ?? undefined)
  })
}
