import type { InboxApi } from './api.js'

export interface StreamMessage {
  event: string
  data: string
  id: string | undefined
}

/**
 * Reads a text/event-stream body. fetch, not EventSource: EventSource reconnects on its own
 * to the same URL (a spent single-use ticket) and cannot send Last-Event-ID on a new one.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, onMessage: (m: StreamMessage) => void, onActivity: () => void): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data: string[] = []
  let id: string | undefined
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    onActivity()
    buffer += decoder.decode(value, { stream: true })
    let newline: number
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '')
      buffer = buffer.slice(newline + 1)
      if (line === '') {
        if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n'), id })
        event = ''
        data = []
        id = undefined
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'event') event = text
        else if (field === 'data') data.push(text)
        else if (field === 'id') id = text
      }
    }
  }
}

export interface StreamHandlers {
  message(m: StreamMessage): void
  /** `replaying`: the server was given Last-Event-ID and will replay (or send `reset`). */
  connected(replaying: boolean): void
  disconnected(): void
}

// The server sends a heartbeat at least every 25 s: silence beyond this means a dead connection.
const SILENCE_LIMIT_MS = 60_000
const MAX_BACKOFF_MS = 30_000

/** One live connection to /v1/notifications/stream, kept open across drops, expiries and refusals. */
export class NotificationStream {
  lastEventId: string | undefined
  private abort: AbortController | undefined
  private stopped = true

  constructor(
    private readonly baseUrl: string,
    private readonly api: InboxApi,
    private readonly on: StreamHandlers,
  ) {}

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    void this.run()
  }

  stop(): void {
    this.stopped = true
    this.abort?.abort()
  }

  private async run(): Promise<void> {
    let backoff = 500
    while (!this.stopped) {
      const abort = (this.abort = new AbortController())
      let watchdog: ReturnType<typeof setTimeout> | undefined
      const alive = () => {
        clearTimeout(watchdog)
        watchdog = setTimeout(() => abort.abort(), SILENCE_LIMIT_MS)
      }
      try {
        // A refused ticket (expired while waiting) ends in the reconnect below, with a new one.
        const response = await this.connect(abort.signal)
        if (response.ok && response.body) {
          backoff = 500
          alive()
          this.on.connected(this.lastEventId !== undefined)
          await readEventStream(
            response.body,
            (m) => {
              if (m.id !== undefined) this.lastEventId = m.id
              this.on.message(m)
            },
            alive,
          )
        }
      } catch {
        // A dropped connection or a refused ticket: both end in the reconnect below.
      } finally {
        clearTimeout(watchdog)
      }
      if (this.stopped) return
      this.on.disconnected()
      await new Promise((resolve) => setTimeout(resolve, backoff * (0.5 + Math.random())))
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
    }
  }

  private async connect(signal: AbortSignal): Promise<Response> {
    // A single-use ticket, asked for with the token: no token ever sits in a URL.
    const { ticket } = await this.api.streamTicket()
    const url = new URL(`${this.baseUrl.replace(/\/+$/, '')}/v1/notifications/stream`, globalThis.location?.href)
    url.searchParams.set('ticket', ticket)
    const headers: Record<string, string> = { accept: 'text/event-stream' }
    if (this.lastEventId !== undefined) headers['last-event-id'] = this.lastEventId
    return fetch(url, { headers, signal, cache: 'no-store' })
  }

}
