import type { AddressInfo } from 'node:net'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface ReceivedEmail {
  to: string
  parsed: ParsedMail
  raw: string
}

export interface SmtpSinkOptions {
  /** Answer this SMTP reply to a recipient, e.g. 550 for a permanent rejection. */
  rejectRecipient?: (address: string) => { code: number; message: string } | undefined
}

/**
 * A real SMTP server in the test process, keeping what it receives. `stop()` and
 * `start()` again on the same port simulate an outage.
 */
export class SmtpSink {
  readonly received: ReceivedEmail[] = []
  private server: SMTPServer | undefined
  port = 0

  constructor(private readonly options: SmtpSinkOptions = {}) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 10 * 1024 * 1024,
      onRcptTo: (address, _session, callback) => {
        const rejection = this.options.rejectRecipient?.(address.address)
        if (rejection) return callback(Object.assign(new Error(rejection.message), { responseCode: rejection.code }))
        callback()
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString()
          simpleParser(raw)
            .then((parsed) => {
              // Went down while this message was in transit: its sender never hears "250", so it is not delivered.
              if (this.server !== server) return callback(Object.assign(new Error('Service not available'), { responseCode: 421 }))
              for (const rcpt of session.envelope.rcptTo) this.received.push({ to: rcpt.address, parsed, raw })
              callback()
            })
            .catch(callback)
        })
      },
    })
    server.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.port = (server.server.address() as AddressInfo).port
    this.server = server
  }

  /** An outage: the port stops answering and open connections are cut. */
  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    const connections = (server as unknown as { connections?: Set<{ _socket?: { destroy(): void } }> }).connections
    for (const connection of connections ?? []) connection._socket?.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  to(address: string): ReceivedEmail[] {
    return this.received.filter((m) => m.to === address)
  }
}
