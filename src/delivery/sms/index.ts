import smpp from 'smpp'
import type { Channel, ChannelDeps, DeliveryJob, SendOutcome } from '../channel.js'
import { createCapturedSmsChannel } from './captured-sms.js'
import { encodeSms } from './segments.js'
import { SmppSession, SmscConnectionLostError, SmscUnreachableError, statusName } from './smpp-session.js'
import { acceptedParts, recordReceipt, recordSubmittedPart, settleFromReceipt, smsDeliveryStatus } from './sms-store.js'
import { isE164 } from '../../domain/sms-text.js'

export interface SmsChannelDeps extends Pick<ChannelDeps, 'config' | 'db' | 'log'> {
  /**
   * Told when receipts make a delivery final. Default: the delivery moves from `sent` to
   * `delivered`, or to `failed` with the receipt's status (the database's status trigger
   * tells webhook endpoints subscribed to `delivery.delivered` / `delivery.failed`).
   */
  onDeliveryReceipt?: (deliveryId: string, status: 'delivered' | 'failed', stat: string) => Promise<void>
  /** Tuning for tests: pauses and timeouts of the SMPP session. */
  session?: { throttleBackoffMs?: number; reconnectMinMs?: number; responseTimeoutMs?: number; enquireLinkMs?: number }
}

/** Answers that will not change on a retry: a bad number, sender or message. */
const PERMANENT = new Set(
  ['ESME_RINVMSGLEN', 'ESME_RINVSRCADR', 'ESME_RINVDSTADR', 'ESME_RINVNUMDESTS', 'ESME_RINVESMCLASS', 'ESME_RINVSRCTON', 'ESME_RINVSRCNPI', 'ESME_RINVDSTTON', 'ESME_RINVDSTNPI', 'ESME_RINVDCS', 'ESME_RPROHIBITED'].map(
    (name) => smpp.errors[name],
  ),
)

/** How long a receipt waits for its delivery's sent mark (the dispatcher writes marks in groups, and later when the database was briefly away). */
const RECEIPT_WAIT_MS = 30_000

/** The UDH reference of a delivery: the same on every retry, so a handset can join parts across them. */
const concatReference = (deliveryId: string) => Number.parseInt(deliveryId.slice(0, 2), 16) || 0

function sourceAddress(from: string) {
  // An alphanumeric sender is TON 5; a number is international (TON 1, NPI 1 = E.164).
  return /^\+?\d+$/.test(from) ? { source_addr_ton: 1, source_addr_npi: 1, source_addr: from.replace(/^\+/, '') } : { source_addr_ton: 5, source_addr_npi: 0, source_addr: from }
}

/**
 * SMS over SMPP 3.4 (`SMS_URL`), or captured in `DATA_DIR/sms/` without it. One
 * delivery is one text to one E.164 number, split into parts when long; the SMSC's
 * message ids are kept per part, so a retry sends only the parts it did not accept and
 * receipts find their delivery.
 */
export function createSmsChannel(deps: SmsChannelDeps): Channel {
  const { config, db, log } = deps
  const url = config.sms.url
  if (!url) {
    // Production never captures to files: an SMS planned there fails visibly, with the reason.
    if (config.env === 'production') return { name: 'sms', send: async () => ({ kind: 'failed', error: 'SMS_URL is not set: this service sends no SMS' }), close: async () => {} }
    return createCapturedSmsChannel({ dataDir: config.dataDir, from: config.sms.from })
  }

  const onDeliveryReceipt =
    deps.onDeliveryReceipt ??
    (async (deliveryId: string, status: 'delivered' | 'failed', stat: string) => {
      const reason = `the SMSC reported it undelivered (receipt stat:${stat})`
      // The receipt can overtake the sent mark, which the dispatcher writes a moment after the
      // SMSC accepted the last part: wait for it rather than lose the receipt's news. A failed
      // attempt is tried again like a missing mark: the receipt itself is already stored.
      const deadline = Date.now() + RECEIPT_WAIT_MS
      for (;;) {
        try {
          if ((await settleFromReceipt(db, deliveryId, status, reason)) !== 'pending') return
        } catch (err) {
          log.warn({ err, deliveryId }, 'could not move an SMS delivery on from its receipt; trying again')
        }
        if (Date.now() > deadline) break
        await new Promise((r) => setTimeout(r, 100))
      }
      log.warn({ deliveryId, stat }, 'SMS receipt for a delivery that stayed pending; its status is left as it is (sms_messages keeps the receipt)')
    })
  // Message ids accepted by the SMSC whose row is not written yet.
  const pendingIds = new Set<string>()
  const session = new SmppSession({
    url,
    window: config.sms.window,
    log,
    ...deps.session,
    async onReceipt(receipt) {
      if (!receipt.state) return
      let deliveryId = await recordReceipt(db, receipt.messageId, receipt.state, receipt.text)
      // A fast SMSC can report before the submit's message id is stored: look again briefly.
      for (let i = 0; !deliveryId && i < 10 && (i === 0 || pendingIds.has(receipt.messageId)); i++) {
        await new Promise((r) => setTimeout(r, 100))
        deliveryId = await recordReceipt(db, receipt.messageId, receipt.state, receipt.text)
      }
      if (!deliveryId) {
        log.info({ messageId: receipt.messageId, stat: receipt.stat }, 'SMS receipt for a message id this service does not know')
        return
      }
      const status = await smsDeliveryStatus(db, deliveryId)
      // The receipt is stored: answer the SMSC now, and let the delivery wait for its sent mark apart.
      if (status === 'delivered' || status === 'failed') void onDeliveryReceipt(deliveryId, status, receipt.stat).catch((err: unknown) => log.error({ err, deliveryId }, 'could not move an SMS delivery on from its receipt'))
    },
  })

  async function send(job: DeliveryJob, signal: AbortSignal): Promise<SendOutcome> {
    if (!isE164(job.destination)) return { kind: 'failed', error: `"${job.destination}" is not an E.164 number (+ and country code)` }
    const text = job.payload.text
    if (typeof text !== 'string' || text === '') return { kind: 'failed', error: 'the delivery has no text' }
    const { dataCoding, parts } = encodeSms(text, concatReference(job.id))
    const accepted = await acceptedParts(db, job.id)
    for (const [i, shortMessage] of parts.entries()) {
      const part = i + 1
      if (accepted.has(part)) continue
      const pdu = await session.submit(
        {
          ...sourceAddress(config.sms.from),
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: job.destination.slice(1),
          esm_class: parts.length > 1 ? smpp.consts.ESM_CLASS.UDH_INDICATOR : 0,
          data_coding: dataCoding,
          registered_delivery: 1,
          short_message: shortMessage,
        },
        signal,
      )
      if (pdu.command_status !== 0) {
        const error = `the SMSC refused part ${part}/${parts.length}: ${statusName(pdu.command_status)}`
        if (PERMANENT.has(pdu.command_status)) return { kind: 'failed', error }
        const retryAfterMs = session.throttlePauseMs
        return { kind: 'retry', error, ...(retryAfterMs > 0 ? { retryAfterMs } : {}) }
      }
      const messageId = String(pdu.message_id)
      pendingIds.add(messageId)
      try {
        await recordSubmittedPart(db, { messageId, deliveryId: job.id, part, parts: parts.length })
      } finally {
        pendingIds.delete(messageId)
      }
      accepted.set(part, messageId)
    }
    return { kind: 'sent', providerId: [...accepted.entries()].sort(([a], [b]) => a - b).map(([, id]) => id).join(',') }
  }

  return {
    name: 'sms',
    server: 'SMSC',
    async send(job, signal) {
      try {
        return await send(job, signal)
      } catch (err) {
        if (err instanceof SmscUnreachableError) return { kind: 'unreachable', error: err.message }
        // At least once: the SMSC may have taken the part whose answer was lost; it goes again.
        if (err instanceof SmscConnectionLostError) return { kind: 'retry', error: err.message }
        if (signal.aborted) return { kind: 'retry', error: 'stopped before the SMSC answered' }
        throw err
      }
    },
    async verify() {
      await session.bound()
    },
    close: () => session.close(),
  }
}
