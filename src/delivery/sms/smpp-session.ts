import type { FastifyBaseLogger as Logger } from 'fastify'
import smpp, { type PDU, type Session } from 'smpp'

/** The SMSC cannot be used: connection refused, or the bind was refused (wrong password...). */
export class SmscUnreachableError extends Error {
  override name = 'SmscUnreachableError'
}

/** The connection went away while a submit waited for its answer: the SMSC may or may not have it. */
export class SmscConnectionLostError extends Error {
  override name = 'SmscConnectionLostError'
}

export interface DeliveryReceipt {
  messageId: string
  /** `stat:` of the receipt (DELIVRD, UNDELIV, ...). */
  stat: string
  state: 'delivered' | 'failed' | undefined
  text: string
}

export interface SmppSessionOptions {
  /** smpp://user:pass@host:port; the password is never logged. */
  url: string
  /** Submits sent and not yet answered at once. */
  window: number
  log: Logger
  onReceipt: (receipt: DeliveryReceipt) => Promise<void>
  enquireLinkMs?: number
  /** How long a bind or a submit may wait for the SMSC's answer. */
  responseTimeoutMs?: number
  reconnectMinMs?: number
  reconnectMaxMs?: number
  /** First pause after ESME_RTHROTTLED; doubled for each throttle in a row. */
  throttleBackoffMs?: number
}

const STATUS_NAMES = new Map(Object.entries(smpp.errors).map(([name, code]) => [code, name]))
export const statusName = (status: number) => STATUS_NAMES.get(status) ?? `status 0x${status.toString(16).padStart(8, '0')}`

const FINAL_STATS: Record<string, 'delivered' | 'failed'> = { DELIVRD: 'delivered', UNDELIV: 'failed', REJECTD: 'failed', EXPIRED: 'failed', DELETED: 'failed' }
const MESSAGE_STATES: Record<number, string> = { 2: 'DELIVRD', 3: 'EXPIRED', 4: 'DELETED', 5: 'UNDELIV', 6: 'ACCEPTD', 7: 'UNKNOWN', 8: 'REJECTD' }

/** Reads a deliver_sm that is a delivery receipt (esm_class message type 0x04); undefined for anything else. */
export function parseReceipt(pdu: PDU): DeliveryReceipt | undefined {
  if (((pdu.esm_class as number) & 0x3c) !== smpp.consts.ESM_CLASS.MC_DELIVERY_RECEIPT) return undefined
  const short = pdu.short_message as { message?: string | Buffer } | undefined
  const text = typeof short?.message === 'string' ? short.message : (short?.message?.toString('latin1') ?? '')
  const messageId = (pdu.receipted_message_id as string | undefined) || /\bid:(\S+)/i.exec(text)?.[1]
  if (!messageId) return undefined
  const stat = /\bstat:(\w+)/i.exec(text)?.[1]?.toUpperCase() ?? MESSAGE_STATES[pdu.message_state as number] ?? 'UNKNOWN'
  return { messageId, stat, state: FINAL_STATS[stat], text }
}

/**
 * One SMPP transceiver bind, kept alive with enquire_link and bound again after a drop
 * (growing pauses), with a window of unanswered submits and a shared pause when the SMSC
 * answers ESME_RTHROTTLED. Receipts arrive on the same bind.
 */
export class SmppSession {
  private session: Session | undefined
  private binding: Promise<Session> | undefined
  private readonly waiting = new Map<Session, Set<(err: Error) => void>>()
  private freeSlots: number
  private readonly queue: (() => void)[] = []
  private closed = false
  private reconnectTimer: NodeJS.Timeout | undefined
  private reconnectFailures = 0
  private throttledUntil = 0
  private throttlesInARow = 0
  private readonly host: string
  /** Binds made so far (the first, and one per rebind). */
  binds = 0

  constructor(private readonly options: SmppSessionOptions) {
    this.freeSlots = options.window
    this.host = new URL(options.url).host
  }

  /** Binds now (or waits for the bind under way); rejects with SmscUnreachableError. */
  bound(): Promise<Session> {
    if (this.closed) return Promise.reject(new SmscUnreachableError('the SMS channel is closed'))
    if (this.session) return Promise.resolve(this.session)
    this.binding ??= this.bind().finally(() => (this.binding = undefined))
    return this.binding
  }

  private bind(): Promise<Session> {
    const { log } = this.options
    const url = new URL(this.options.url)
    const timeoutMs = this.options.responseTimeoutMs ?? 30_000
    return new Promise((resolve, reject) => {
      const session = smpp.connect({ url: this.options.url, auto_enquire_link_period: this.options.enquireLinkMs ?? 30_000 })
      let settled = false
      const fail = (message: string) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        session.destroy()
        reject(new SmscUnreachableError(message))
      }
      const timer = setTimeout(() => fail(`the SMSC at ${this.host} did not answer the bind within ${timeoutMs} ms`), timeoutMs)
      session.on('error', (err: Error & { code?: string }) => {
        if (!settled) fail(`cannot connect to the SMSC at ${this.host}: ${err.code ?? err.message}`)
        else log.warn({ smsc: this.host, err: { message: err.message, code: err.code } }, 'SMSC connection error')
      })
      session.on('close', () => {
        if (!settled) fail(`the SMSC at ${this.host} closed the connection before the bind was answered`)
        else this.dropped(session)
      })
      session.on('connect', () => {
        session.bind_transceiver({ system_id: decodeURIComponent(url.username), password: decodeURIComponent(url.password), interface_version: 0x34 }, (pdu) => {
          if (pdu.command_status !== 0) return fail(`the SMSC at ${this.host} refused the bind: ${statusName(pdu.command_status)} (check the user and password in SMS_URL)`)
          settled = true
          clearTimeout(timer)
          this.session = session
          this.binds++
          this.reconnectFailures = 0
          log.info({ smsc: this.host }, 'bound to the SMSC as a transceiver')
          resolve(session)
        })
      })
      session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()))
      session.on('unbind', (pdu: PDU) => {
        session.send(pdu.response())
        session.close()
      })
      session.on('deliver_sm', (pdu: PDU) => void this.deliver(session, pdu))
    })
  }

  /** Answers a deliver_sm only after its receipt is stored, so the SMSC sends it again if we could not. */
  private async deliver(session: Session, pdu: PDU): Promise<void> {
    const receipt = parseReceipt(pdu)
    if (!receipt) {
      session.send(pdu.response())
      return
    }
    try {
      await this.options.onReceipt(receipt)
      session.send(pdu.response())
    } catch (err) {
      this.options.log.error({ err, messageId: receipt.messageId }, 'could not store an SMS delivery receipt; the SMSC will send it again')
      session.send(pdu.response({ command_status: smpp.errors.ESME_RX_T_APPN }))
    }
  }

  private dropped(session: Session): void {
    const waiting = this.waiting.get(session)
    this.waiting.delete(session)
    for (const reject of waiting ?? []) reject(new SmscConnectionLostError(`the connection to the SMSC at ${this.host} was lost before it answered`))
    if (this.session !== session) return
    this.session = undefined
    if (this.closed) return
    this.options.log.warn({ smsc: this.host, unanswered: waiting?.size ?? 0 }, 'SMSC connection lost; binding again')
    this.scheduleRebind()
  }

  /** Binds again in the background after a drop, so receipts keep arriving with no SMS to send. */
  private scheduleRebind(): void {
    if (this.closed || this.reconnectTimer) return
    const min = this.options.reconnectMinMs ?? 1_000
    const delay = Math.min(this.options.reconnectMaxMs ?? 60_000, min * 2 ** this.reconnectFailures)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      this.bound().catch((err: Error) => {
        this.reconnectFailures++
        this.options.log.warn({ smsc: this.host }, err.message)
        this.scheduleRebind()
      })
    }, delay)
    this.reconnectTimer.unref()
  }

  private async acquire(signal: AbortSignal): Promise<void> {
    if (this.freeSlots > 0) {
      this.freeSlots--
      return
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(grant)
        if (i >= 0) this.queue.splice(i, 1)
        reject(signal.reason)
      }
      const grant = () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.queue.push(grant)
    })
  }

  private release(): void {
    const next = this.queue.shift()
    if (next) next()
    else this.freeSlots++
  }

  private async submitOnce(params: Record<string, unknown>, signal: AbortSignal): Promise<PDU> {
    await this.acquire(signal)
    try {
      const wait = this.throttledUntil - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      const session = await this.bound()
      const timeoutMs = this.options.responseTimeoutMs ?? 30_000
      return await new Promise<PDU>((resolve, reject) => {
        let waiting = this.waiting.get(session)
        if (!waiting) this.waiting.set(session, (waiting = new Set()))
        const settle = (err?: Error, pdu?: PDU) => {
          clearTimeout(timer)
          waiting.delete(fail)
          if (err) reject(err)
          else resolve(pdu as PDU)
        }
        const fail = (err: Error) => settle(err)
        waiting.add(fail)
        const timer = setTimeout(() => {
          // An SMSC that stops answering holds the window; a new bind frees it.
          settle(new SmscConnectionLostError(`the SMSC at ${this.host} did not answer a submit within ${timeoutMs} ms`))
          session.destroy()
        }, timeoutMs)
        if (!session.submit_sm(params, (pdu) => settle(undefined, pdu))) settle(new SmscConnectionLostError(`the connection to the SMSC at ${this.host} is not writable`))
      })
    } finally {
      this.release()
    }
  }

  /**
   * Submits one part. ESME_RTHROTTLED (or a full queue) pauses every submit of this bind,
   * doubling the pause each time in a row, and sends the part again: up to `tries` times,
   * then the last answer is returned for the caller to retry later.
   */
  async submit(params: Record<string, unknown>, signal: AbortSignal, tries = 6): Promise<PDU> {
    for (let attempt = 1; ; attempt++) {
      const pdu = await this.submitOnce(params, signal)
      const throttled = pdu.command_status === smpp.errors.ESME_RTHROTTLED || pdu.command_status === smpp.errors.ESME_RMSGQFUL
      if (!throttled) {
        if (pdu.command_status === 0) this.throttlesInARow = 0
        return pdu
      }
      const pause = Math.min(60_000, (this.options.throttleBackoffMs ?? 1_000) * 2 ** this.throttlesInARow++)
      this.throttledUntil = Math.max(this.throttledUntil, Date.now() + pause)
      if (attempt >= tries || signal.aborted) return pdu
      this.options.log.info({ smsc: this.host, pauseMs: pause }, 'SMSC throttled; pausing submits')
    }
  }

  /** The pause the SMSC asked for, for an outcome that retries later. */
  get throttlePauseMs(): number {
    return Math.max(0, this.throttledUntil - Date.now())
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.reconnectTimer)
    for (const grant of this.queue.splice(0)) grant()
    const session = this.session
    this.session = undefined
    if (!session) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => session.destroy(resolve), 2_000)
      session.unbind({}, () => {
        clearTimeout(timer)
        session.close(resolve)
      })
    })
  }
}
