import http from 'node:http'

export interface SseFrame {
  event?: string
  data?: string
  comment?: string
}

/** A minimal EventSource for tests: keeps every frame, and can wait for the next matching one. */
export class SseClient {
  readonly frames: SseFrame[] = []
  status = 0
  headers: http.IncomingHttpHeaders = {}
  ended = false
  private request: http.ClientRequest | undefined
  private buffer = ''
  private waiters: (() => void)[] = []

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient()
    await new Promise<void>((resolve, reject) => {
      client.request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        client.status = response.statusCode ?? 0
        client.headers = response.headers
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => client.push(chunk))
        response.on('end', () => {
          client.ended = true
          client.notify()
        })
        resolve()
      })
      client.request.on('error', (err) => (client.status ? undefined : reject(err)))
    })
    return client
  }

  private push(chunk: string): void {
    this.buffer += chunk
    let end: number
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end)
      this.buffer = this.buffer.slice(end + 2)
      const frame: SseFrame = {}
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comment = line.slice(1).trim()
        else if (line.startsWith('event: ')) frame.event = line.slice(7)
        else if (line.startsWith('data: ')) frame.data = (frame.data ? `${frame.data}\n` : '') + line.slice(6)
      }
      this.frames.push(frame)
    }
    this.notify()
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter()
  }

  /** Resolves with the first frame (from index `from`) that matches. */
  async next(match: (f: SseFrame) => boolean, { from = 0, timeout = 10_000 } = {}): Promise<SseFrame> {
    const deadline = Date.now() + timeout
    for (;;) {
      const found = this.frames.slice(from).find(match)
      if (found) return found
      if (this.ended) throw new Error('stream ended')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching frame within ${timeout} ms; got ${JSON.stringify(this.frames.slice(-5))}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  events(name: string): unknown[] {
    return this.frames.filter((f) => f.event === name).map((f) => JSON.parse(f.data ?? 'null'))
  }

  close(): void {
    this.request?.destroy()
  }
}
