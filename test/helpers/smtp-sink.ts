import type { AddressInfo, Socket } from 'node:net'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

/** What every sink keeps of a message: enough to count deliveries and spot a copy. */
export interface AcceptedEmail {
  to: string
  /** The Message-ID header as written, e.g. `<id@bookit.local>`. */
  messageId: string | undefined
}

export interface ReceivedEmail extends AcceptedEmail {
  parsed: ParsedMail
  raw: string
}

export interface SmtpSinkOptions {
  /** Answer this SMTP reply to a recipient, e.g. 550 for a permanent rejection. */
  rejectRecipient?: (address: string) => { code: number; message: string } | undefined
  /**
   * Parse each message with mailparser and keep it (default true). Tests that send tens of
   * thousands of emails and only count them turn this off: then only `accepted` is kept,
   * from a scan of the headers, which costs a fraction of a parse.
   */
  parse?: boolean
}

/** The Message-ID from a message's header block (unfolded), without parsing the rest. */
export function scanMessageId(headerBlock: string): string | undefined {
  const unfolded = headerBlock.replace(/\r?\n[ \t]+/g, ' ')
  return /^message-id:[ \t]*(\S[^\r\n]*?)[ \t]*\r?$/im.exec(unfolded)?.[1]
}

/**
 * A real SMTP server in the test process, keeping what it receives. `stop()` and
 * `start()` again on the same port simulate an outage.
 */
export class SmtpSink {
  /** Every message accepted (answered 250), one entry per recipient. */
  readonly accepted: AcceptedEmail[] = []
  private readonly parsedEmails: ReceivedEmail[] = []
  private server: SMTPServer | undefined
  /** Open client sockets, seen through the listener's public 'connection' event, so stop() can cut them. */
  private readonly sockets = new Set<Socket>()
  port = 0

  constructor(private readonly options: SmtpSinkOptions = {}) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`
  }

  /** Every message accepted, parsed; only for a sink that parses. */
  get received(): ReceivedEmail[] {
    if (this.options.parse === false) throw new Error('this SMTP sink does not parse messages; read `accepted` instead')
    return this.parsedEmails
  }

  async start(): Promise<void> {
    const parse = this.options.parse !== false
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
        // Without parsing, only the header block is kept; the body is read and dropped.
        let head = ''
        let headDone = false
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => {
          if (parse) chunks.push(c)
          if (headDone) return
          head += c.toString()
          const end = head.search(/\r?\n\r?\n/)
          if (end >= 0) {
            head = head.slice(0, end)
            headDone = true
          }
        })
        stream.on('end', () => {
          const messageId = scanMessageId(head)
          const accept = (parsed?: ParsedMail, raw?: string) => {
            // Went down while this message was in transit: its sender never hears "250", so it is not delivered.
            if (this.server !== server) return callback(Object.assign(new Error('Service not available'), { responseCode: 421 }))
            for (const rcpt of session.envelope.rcptTo) {
              this.accepted.push({ to: rcpt.address, messageId })
              if (parsed && raw !== undefined) this.parsedEmails.push({ to: rcpt.address, messageId, parsed, raw })
            }
            callback()
          }
          if (!parse) return accept()
          const raw = Buffer.concat(chunks).toString()
          simpleParser(raw)
            .then((parsed) => accept(parsed, raw))
            .catch(callback)
        })
      },
    })
    server.on('error', () => {})
    server.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.port = (server.server.address() as AddressInfo).port
    this.server = server
  }

  /** An outage: the port stops answering and open connections (pooled ones too) are cut. */
  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Parsed messages to one address; only for a sink that parses. */
  to(address: string): ReceivedEmail[] {
    return this.received.filter((m) => m.to === address)
  }
}
