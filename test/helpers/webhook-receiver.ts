import { type IncomingHttpHeaders, type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

export interface ReceivedCall {
  headers: IncomingHttpHeaders
  body: string
  /** The secrets (by index in `secrets`) whose signature verified this call with the spec's library. */
  verifiedBy: number[]
}

type Answer = { status: number; headers?: Record<string, string>; delayMs?: number }

/** An HTTP endpoint that checks every call it receives with the `standardwebhooks` package. */
export class WebhookReceiver {
  readonly calls: ReceivedCall[] = []
  /** Secrets to verify with; set after registering (and rotating). */
  secrets: string[] = []
  /** How to answer the n-th call (0-based); 204 by default. */
  answer: (call: ReceivedCall, n: number) => Answer = () => ({ status: 204 })
  private server: Server | undefined

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (c: Buffer) => chunks.push(c))
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString()
        const verifiedBy = this.secrets.flatMap((secret, i) => {
          try {
            new Webhook(secret).verify(body, request.headers as Record<string, string>)
            return [i]
          } catch {
            return []
          }
        })
        const call = { headers: request.headers, body, verifiedBy }
        this.calls.push(call)
        const { status, headers, delayMs } = this.answer(call, this.calls.length - 1)
        const respond = () => {
          if (!response.destroyed) response.writeHead(status, headers).end()
        }
        if (delayMs) setTimeout(respond, delayMs).unref()
        else respond()
      })
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/hooks`
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve))
  }
}
