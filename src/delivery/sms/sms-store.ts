import { type Kysely, sql } from 'kysely'
import type { Database, SmsMessageStatus } from '../../db/schema.js'

// Data access only. Until the deliveries table carries a provider id, the SMS channel keeps
// its SMPP message ids here: one row per accepted part.

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

/** A receipt saying the SMS did not arrive fails its delivery, so operators see it and can retry it. */
export async function failDeliveryFromReceipt(db: Kysely<Database>, deliveryId: string, reason: string): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ status: 'failed', last_error: reason, updated_at: sql`now()` })
    .where('id', '=', deliveryId)
    .where('channel', '=', 'sms')
    .where('status', '=', 'sent')
    .execute()
}

/**
 * A delivered receipt leaves the delivery `sent` (there is no later state), so its
 * `delivery.delivered` webhooks are written here, in the shape the status trigger uses.
 */
export async function announceDelivered(db: Kysely<Database>, deliveryId: string): Promise<void> {
  await sql`
    INSERT INTO deliveries (channel, user_id, destination, notification_type, notification_id, template, locale, payload, event_source, event_id)
    SELECT 'webhook', NULL, e.id::text, 'delivery.delivered', d.notification_id, 'webhook', 'en',
           jsonb_build_object(
             'type', 'delivery.delivered',
             'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'data', jsonb_build_object('delivery', jsonb_build_object(
               'id', d.id, 'channel', d.channel, 'userId', d.user_id, 'notificationType', d.notification_type,
               'notificationId', d.notification_id, 'status', 'delivered', 'attempts', d.attempts, 'error', NULL))),
           d.event_source, d.event_id
    FROM deliveries d
    JOIN webhook_endpoints e ON e.enabled AND e.events @> ARRAY['delivery.delivered']
    WHERE d.id = ${deliveryId} AND d.channel = 'sms'`.execute(db)
}
