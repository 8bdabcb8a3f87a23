import { createHash } from 'node:crypto'
import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { CHANNEL } from '../live/notification-channel.js'

/**
 * `user.deleted`: everything the service holds about a user goes, in the ingest transaction
 * of that event, so it commits with the event's (source, id) and runs again harmlessly.
 *
 * - Rows that are the user's own (below, one line per table) are deleted.
 * - Deliveries not yet sent are deleted; those sent, failed or expired stay as anonymous
 *   counts (channel, type, status and times; no user id, address, number or content), so
 *   statistics keep their totals. The email_outbox view follows deliveries.
 * - Other recipients' rows from the same events (a hall admin's alert about the user's
 *   booking, webhook payloads) lose the user's id, address, number and name.
 * - A hash of the id is kept (erased_users): later events produce nothing for that user.
 * - Open streams of the user get `notification-deleted {"all": true}` and end.
 *
 * processed_events (source, id, type) and booking_states (booking ids, times) hold nothing
 * about a person and are left alone.
 */

/** Tables holding rows that belong to one user, by the column naming them. Adding a table is a line here. */
export const USER_ROWS: readonly { table: string; column: string }[] = [
  // Its delete trigger logs 'deleted'/'cleared' changes with the user id: the log is erased after it.
  { table: 'notifications', column: 'user_id' },
  { table: 'notification_changes', column: 'user_id' },
  { table: 'stream_tickets', column: 'user_id' },
  { table: 'preferences', column: 'user_id' },
  { table: 'push_subscriptions', column: 'user_id' },
  { table: 'quiet_hours', column: 'user_id' },
  { table: 'digest_preferences', column: 'user_id' },
  { table: 'people', column: 'user_id' },
  { table: 'hall_people', column: 'user_id' },
  { table: 'announcement_recipients', column: 'user_id' },
]

/** How an erased user is remembered: a hash, so the tombstone itself holds no id. */
export function erasedUserHash(userId: string): string {
  return createHash('sha256').update(`bookit-erased-user\u0000${userId}`).digest('hex')
}

/** Advisory locks per user id, in their own namespace (two-key form: never a single-key lock). */
const USER_LOCK_NAMESPACE = 74_920_412

/**
 * Taken (shared) by a transaction that writes for these users, before it checks the
 * tombstones: an erasure of one of them waits for it to commit and then erases what it
 * wrote, and a write that comes later waits for the erasure and then sees the tombstone.
 * Shared locks never wait for each other, so ingest is not serialised by this.
 */
export async function lockUsersForWriting(trx: Transaction<Database>, userIds: string[]): Promise<void> {
  const unique = [...new Set(userIds)].sort()
  if (unique.length === 0) return
  await sql`SELECT pg_advisory_xact_lock_shared(${USER_LOCK_NAMESPACE}, hashtext(u)) FROM unnest(${unique}::text[]) AS u`.execute(trx)
}

/** Which of these users have been erased. */
export async function erasedUsers(db: Kysely<Database> | Transaction<Database>, userIds: string[]): Promise<Set<string>> {
  const unique = [...new Set(userIds)]
  if (unique.length === 0) return new Set()
  const hashes = new Map(unique.map((id) => [erasedUserHash(id), id]))
  const rows = await db.selectFrom('erased_users').select('id_hash').where('id_hash', '=', sql<string>`ANY(${[...hashes.keys()]}::text[])`).execute()
  return new Set(rows.map((r) => hashes.get(r.id_hash)!))
}

/** Erases each user (see above); a user erased before is erased again, finding nothing. */
export async function eraseUsers(trx: Transaction<Database>, userIds: string[]): Promise<void> {
  for (const userId of [...new Set(userIds)].sort()) await eraseUser(trx, userId)
}

async function eraseUser(trx: Transaction<Database>, userId: string): Promise<void> {
  // Waits for transactions still writing for this user (see lockUsersForWriting).
  await sql`SELECT pg_advisory_xact_lock(${USER_LOCK_NAMESPACE}, hashtext(${userId}))`.execute(trx)
  // The events that reached the user: other recipients' rows from them may name the user.
  const events = sql`(
    SELECT event_source, event_id FROM notifications WHERE user_id = ${userId}
    UNION SELECT event_source, event_id FROM deliveries WHERE user_id = ${userId})`
  // What names the user there: the id, the addresses and numbers they were sent to, and
  // their name as the events gave it (to them as recipient, to hall admins as booker).
  const { rows } = await sql<{ exact: string[] | null; names: string[] | null }>`
    WITH related AS (
      SELECT d.* FROM deliveries d WHERE (d.event_source, d.event_id) IN ${events}),
    found AS (
      SELECT destination AS v, false AS is_name FROM deliveries WHERE user_id = ${userId} AND channel IN ('email', 'sms')
      UNION SELECT payload->'recipient'->>'name', true FROM deliveries WHERE user_id = ${userId}
      UNION SELECT payload->'booker'->>'name', true FROM related WHERE payload->'booker'->>'id' = ${userId}
      UNION SELECT payload->'booker'->>'email', false FROM related WHERE payload->'booker'->>'id' = ${userId}
      UNION SELECT payload->'cancellation'->'cancelledBy'->>'name', true FROM related WHERE payload->'cancellation'->'cancelledBy'->>'id' = ${userId})
    SELECT array_agg(v) FILTER (WHERE NOT is_name) AS exact, array_agg(v) FILTER (WHERE is_name) AS names
    FROM found WHERE v IS NOT NULL AND v <> ''`.execute(trx)
  const exact = [userId, ...(rows[0]?.exact ?? [])]
  // Longest first, so "Ada Lovelace" goes before a shorter name it contains.
  const names = [...(rows[0]?.names ?? [])].sort((a, b) => b.length - a.length)

  const { rows: mentioned } = await sql<{ user_id: string }>`
    UPDATE notifications SET
      title = erase_mentions(title, ${exact}::text[], ${names}::text[], false),
      body = erase_mentions(body, ${exact}::text[], ${names}::text[], false),
      data = erase_mentions(data::text, ${exact}::text[], ${names}::text[], true)::jsonb
    WHERE (event_source, event_id) IN ${events} AND user_id <> ${userId}
    RETURNING user_id`.execute(trx)
  await sql`
    UPDATE deliveries SET
      payload = erase_mentions(payload::text, ${exact}::text[], ${names}::text[], true)::jsonb,
      last_error = erase_mentions(last_error, ${exact}::text[], ${names}::text[], false)
    WHERE (event_source, event_id) IN ${events} AND user_id IS DISTINCT FROM ${userId}`.execute(trx)

  // Other admins' digest lines about the user's bookings name them as booker.
  await sql`
    UPDATE digest_items SET details = erase_mentions(details::text, ${exact}::text[], ${names}::text[], true)::jsonb
    WHERE (event_source, event_id) IN ${events}`.execute(trx)

  // Reminders of the user's bookings carry their name and addresses.
  await sql`DELETE FROM scheduled_jobs WHERE payload->'user'->>'id' = ${userId}`.execute(trx)

  // SMPP receipts quote the start of the text.
  await sql`DELETE FROM sms_messages WHERE delivery_id IN (SELECT id FROM deliveries WHERE user_id = ${userId})`.execute(trx)
  await trx.deleteFrom('deliveries').where('user_id', '=', userId).where('status', '=', 'pending').execute()
  // What was sent (or finally failed) stays as a count: no one to send to, nothing to retry.
  await trx
    .updateTable('deliveries')
    .set({ user_id: null, destination: '', payload: '{}', notification_id: null, provider_id: null, last_error: sql`CASE WHEN last_error IS NULL THEN NULL ELSE 'erased with its user' END`, claimed_by: null, claim_token: null })
    .where('user_id', '=', userId)
    .execute()

  for (const { table, column } of USER_ROWS) await sql`DELETE FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${userId}`.execute(trx)
  await sql`INSERT INTO erased_users (id_hash) VALUES (${erasedUserHash(userId)}) ON CONFLICT DO NOTHING`.execute(trx)

  // On commit, every replica ends this user's streams. The seq is a fresh one no change has,
  // so the streams take the frame as new; nothing of this is stored.
  const { rows: seq } = await sql<{ seq: string }>`SELECT nextval('notification_changes_seq_seq') AS seq`.execute(trx)
  const at = Number(seq[0]!.seq)
  // The others whose texts changed: their cached pages go too (all caches, past the payload limit).
  const users = [...new Set([userId, ...mentioned.map((r) => r.user_id)])]
  let payload = JSON.stringify({ from: at, to: at, users, erased: [userId] })
  if (Buffer.byteLength(payload) > 7900) payload = JSON.stringify({ from: at, to: at, erased: [userId] })
  await sql`SELECT pg_notify(${CHANNEL}, ${payload})`.execute(trx)
}
