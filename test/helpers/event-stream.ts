import http from 'node:http'

export interface StreamEvent {
  id?: string
  event?: string
  data?: string
  comment?: string
}

/**
 * An EventSource for tests that keeps `id:` lines too, and can be opened without waiting
 * for the answer (to hang up while the server is still setting the stream up).
 */
export class EventStream {
  readonly events: StreamEvent[] = []
  status = 0
  ended = false
  readonly request: http.ClientRequest
  readonly answered: Promise<void>
  private buffer = ''
  private waiters: (() => void)[] = []

  constructor(url: string, headers: Record<string, string> = {}) {
    // A connection of its own (no keep-alive pool): closing the stream closes the socket.
    this.request = http.get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } })
    this.answered = new Promise<void>((resolve, reject) => {
      this.request.on('response', (response) => {
        this.status = response.statusCode ?? 0
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => this.push(chunk))
        response.on('end', () => this.end())
        response.on('error', () => this.end())
        resolve()
      })
      this.request.on('error', (err) => {
        this.end()
        if (!this.status) reject(err)
      })
    })
    // A stream given up on before its answer rejects `answered`; nobody has to wait for it.
    this.answered.catch(() => {})
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
    const stream = new EventStream(url, headers)
    await stream.answered
    return stream
  }

  private end(): void {
    this.ended = true
    this.notify()
  }

  private push(chunk: string): void {
    this.buffer += chunk
    let end: number
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end)
      this.buffer = this.buffer.slice(end + 2)
      const event: StreamEvent = {}
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) event.comment = line.slice(1).trim()
        else if (line.startsWith('id: ')) event.id = line.slice(4)
        else if (line.startsWith('event: ')) event.event = line.slice(7)
        else if (line.startsWith('data: ')) event.data = (event.data ? `${event.data}\n` : '') + line.slice(6)
      }
      this.events.push(event)
    }
    this.notify()
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter()
  }

  /** The first event (from index `from`) that matches, waiting up to `timeout`. */
  async next(match: (e: StreamEvent) => boolean, { from = 0, timeout = 15_000 } = {}): Promise<StreamEvent> {
    const deadline = Date.now() + timeout
    for (;;) {
      const found = this.events.slice(from).find(match)
      if (found) return found
      if (this.ended) throw new Error(`stream ended; got ${JSON.stringify(this.events.slice(-5))}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching event within ${timeout} ms; got ${JSON.stringify(this.events.slice(-5))}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Waits for the server to end the stream. */
  async closedByServer(timeout = 15_000): Promise<void> {
    const deadline = Date.now() + timeout
    while (!this.ended) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`the stream is still open after ${timeout} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  named(name: string): unknown[] {
    return this.events.filter((e) => e.event === name).map((e) => JSON.parse(e.data ?? 'null'))
  }

  close(): void {
    this.request.destroy()
  }
}
