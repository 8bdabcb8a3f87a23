import { type Kysely, sql } from 'kysely'
import type { Database, SmsMessageStatus } from '../../db/schema.js'

// Data access only. The SMS channel keeps its SMPP message ids here, one row per accepted
// part, so that a receipt finds its delivery and a retry sends only the missing parts (the
// delivery's provider_id lists them too, for operators).

export async function recordSubmittedPart(db: Kysely<Database>, part: { messageId: string; deliveryId: string; part: number; parts: number }): Promise<void> {
  await db
    .insertInto('sms_messages')
    .values({ message_id: part.messageId, delivery_id: part.deliveryId, part: part.part, parts: part.parts })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .execute()
}

/** Parts of a delivery the SMSC already accepted: a retry sends only the others. */
export async function acceptedParts(db: Kysely<Database>, deliveryId: string): Promise<Map<number, string>> {
  // A part whose receipt said it failed is sent again when an operator retries the delivery.
  const rows = await db.selectFrom('sms_messages').select(['part', 'message_id']).where('delivery_id', '=', deliveryId).where('status', '<>', 'failed').execute()
  return new Map(rows.map((r) => [r.part, r.message_id]))
}

export type SmsDeliveryStatus = 'submitted' | 'delivered' | 'failed'

/** The delivery's state from its parts: failed when one failed, delivered when all are. */
export async function smsDeliveryStatus(db: Kysely<Database>, deliveryId: string): Promise<SmsDeliveryStatus | undefined> {
  // The latest submit of each part counts: a part sent again after a failed receipt replaces it.
  const rows = await db
    .selectFrom('sms_messages')
    .distinctOn('part')
    .select(['status', 'parts'])
    .where('delivery_id', '=', deliveryId)
    .orderBy('part')
    .orderBy('submitted_at', 'desc')
    .execute()
  if (rows.length === 0) return undefined
  if (rows.some((r) => r.status === 'failed')) return 'failed'
  return rows.length >= (rows[0]?.parts ?? 1) && rows.every((r) => r.status === 'delivered') ? 'delivered' : 'submitted'
}

/** Applies a delivery receipt; returns the delivery it belongs to, or undefined for an unknown message id. */
export async function recordReceipt(db: Kysely<Database>, messageId: string, status: SmsMessageStatus, receipt: string): Promise<string | undefined> {
  const row = await db
    .updateTable('sms_messages')
    .set({ status, receipt: receipt.slice(0, 500), receipt_at: new Date() })
    .where('message_id', '=', messageId)
    .returning('delivery_id')
    .executeTakeFirst()
  return row?.delivery_id
}

/**
 * Moves an SMS delivery on from its receipts: `delivered` when every part arrived, `failed`
 * with the reason when one did not (operators see it and can retry it). Only a `sent`
 * delivery moves; answers `pending` while its sent mark is not written yet (a fast SMSC's
 * receipt can come first), so the caller can try again.
 */
export async function settleFromReceipt(db: Kysely<Database>, deliveryId: string, status: 'delivered' | 'failed', reason: string): Promise<'settled' | 'pending' | 'other'> {
  const moved = await db
    .updateTable('deliveries')
    .set(status === 'failed' ? { status, last_error: reason, updated_at: sql`now()` } : { status, updated_at: sql`now()` })
    .where('id', '=', deliveryId)
    .where('channel', '=', 'sms')
    .where('status', '=', 'sent')
    .returning('id')
    .executeTakeFirst()
  if (moved) return 'settled'
  const row = await db.selectFrom('deliveries').select('status').where('id', '=', deliveryId).executeTakeFirst()
  // 'sent' here: the mark was written between the UPDATE above and this read; the next try moves it.
  return row?.status === 'pending' || row?.status === 'sent' ? 'pending' : 'other'
}
