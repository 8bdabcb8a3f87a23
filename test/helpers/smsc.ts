import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import smpp, { type PDU, type Session } from 'smpp'

export interface ReceivedSubmit {
  /** Destination number as submitted (no plus). */
  to: string
  dataCoding: number
  esmClass: number
  /** Decoded text of this part (without its UDH). */
  text: string
  /** Concatenation header, when the part has one: reference, total, sequence number. */
  concat?: { reference: number; total: number; seq: number }
  messageId?: string
  answered: boolean
}

/** What the SMSC does with the n-th submit_sm (0-based): accept, refuse with a status, or drop the connection. */
export type SubmitAnswer = { accept: true; delayMs?: number } | { status: number } | { drop: true }

/** A real SMPP server (the smpp package's), checking the bind and recording what it receives. */
export class TestSmsc {
  readonly submits: ReceivedSubmit[] = []
  binds = 0
  enquireLinks = 0
  refusedBinds = 0
  outstanding = 0
  maxOutstanding = 0
  answer: (submit: ReceivedSubmit, n: number) => SubmitAnswer = () => ({ accept: true })
  /** Send a DELIVRD receipt right behind each answer, as a fast SMSC may. */
  receiptRightAway = false
  private server: ReturnType<typeof smpp.createServer> | undefined
  private bound: Session | undefined
  private nextId = 1000
  // Message ids are unique per SMSC; several test SMSCs share one database.
  private readonly idPrefix = randomBytes(3).toString('hex')

  constructor(
    readonly systemId = 'bookit',
    readonly password = 'sms-pass',
  ) {}

  async start(): Promise<void> {
    this.server = smpp.createServer({}, (session) => {
      session.on('error', () => {})
      session.on('bind_transceiver', (pdu: PDU) => {
        if (pdu.system_id !== this.systemId || pdu.password !== this.password) {
          this.refusedBinds++
          session.send(pdu.response({ command_status: smpp.errors.ESME_RINVPASWD }))
          return
        }
        this.binds++
        this.bound = session
        session.send(pdu.response({ system_id: 'test-smsc' }))
      })
      session.on('enquire_link', (pdu: PDU) => {
        this.enquireLinks++
        session.send(pdu.response())
      })
      session.on('unbind', (pdu: PDU) => {
        session.send(pdu.response())
        session.close()
      })
      session.on('submit_sm', (pdu: PDU) => this.submitted(session, pdu))
    })
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve))
  }

  private submitted(session: Session, pdu: PDU): void {
    const short = pdu.short_message as { udh?: Buffer[]; message: string }
    const udh = short.udh?.find((h) => h[0] === 0x00)
    const submit: ReceivedSubmit = {
      to: String(pdu.destination_addr),
      dataCoding: pdu.data_coding as number,
      esmClass: pdu.esm_class as number,
      text: short.message,
      ...(udh ? { concat: { reference: udh[2] as number, total: udh[3] as number, seq: udh[4] as number } } : {}),
      answered: false,
    }
    const n = this.submits.push(submit) - 1
    const answer = this.answer(submit, n)
    if ('drop' in answer) {
      session.destroy()
      return
    }
    if ('status' in answer) {
      submit.answered = session.send(pdu.response({ command_status: answer.status }))
      return
    }
    this.outstanding++
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding)
    const respond = () => {
      this.outstanding--
      const messageId = `${this.idPrefix}-${this.nextId++}`
      // A connection dropped in the meantime cannot carry the answer: the ESME never saw it.
      if (session.send(pdu.response({ message_id: messageId }))) Object.assign(submit, { messageId, answered: true })
      if (this.receiptRightAway) void this.receipt(messageId, 'DELIVRD')
    }
    if (answer.delayMs) setTimeout(respond, answer.delayMs)
    else respond()
  }

  /** Sends a delivery receipt for a message id on the current bind; resolves with the ESME's answer status. */
  receipt(messageId: string, stat: 'DELIVRD' | 'UNDELIV'): Promise<number> {
    const session = this.bound
    if (!session) throw new Error('no bound session')
    const text = `id:${messageId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:2611261400 done date:2611261401 stat:${stat} err:000 text:`
    return new Promise((resolve) => {
      session.deliver_sm({ source_addr: '4915112345678', destination_addr: 'BookIT', esm_class: smpp.consts.ESM_CLASS.MC_DELIVERY_RECEIPT, short_message: text, receipted_message_id: messageId, message_state: stat === 'DELIVRD' ? 2 : 5 }, (pdu) => resolve(pdu.command_status))
    })
  }

  /** Cuts every open connection, as a crashing SMSC or a network drop would. */
  dropAll(): void {
    for (const session of [...(this.server?.sessions ?? [])]) session.destroy()
  }

  url(password = this.password): string {
    return `smpp://${this.systemId}:${encodeURIComponent(password)}@127.0.0.1:${(this.server?.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    this.dropAll()
    await new Promise((resolve) => this.server?.close(resolve))
  }
}
