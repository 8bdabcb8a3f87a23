import { randomUUID } from 'node:crypto'
import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database, DeliveryRow, DeliveryStatus } from '../db/schema.js'
import type { ChannelName } from '../domain/delivery-channels.js'
// Payload keys that must not outlive the delivery's final state (sent, failed or expired).
import { SECRET_DATA_KEYS as SECRET_PAYLOAD_KEYS } from '../domain/events.js'
const eraseSecrets = sql<string>`payload - ${SECRET_PAYLOAD_KEYS}::text[]`

/** A claimed delivery: the row and the token that fences every outcome recorded for it. */
export type ClaimedDelivery = DeliveryRow & { claim_token: string }

export interface NewDelivery {
  channel: ChannelName
  userId: string | null
  destination: string
  notificationType: string
  notificationId?: string | null
  template: string
  locale: string
  payload: Record<string, unknown>
  eventSource: string
  eventId: string
  /** Not sent before this instant (ISO), e.g. the end of the recipient's quiet hours; with its reason for operators. */
  notBefore?: string
  deferralReason?: string
}

/**
 * Writes planned deliveries; called inside the transaction that records their notification.
 * Due at once (`now`, the app's clock when it has one, else the database's) unless `notBefore` says later.
 */
export async function insertDeliveries(trx: Transaction<Database> | Kysely<Database>, rows: NewDelivery[], now?: Date): Promise<void> {
  if (rows.length === 0) return
  // One JSON document expanded by PostgreSQL: one statement and one parameter however large the batch.
  const json = JSON.stringify(
    rows.map((r) => ({
      channel: r.channel,
      user_id: r.userId,
      destination: r.destination,
      notification_type: r.notificationType,
      notification_id: r.notificationId ?? null,
      template: r.template,
      locale: r.locale,
      payload: r.payload,
      event_source: r.eventSource,
      event_id: r.eventId,
      not_before: r.notBefore ?? null,
      deferral_reason: r.deferralReason ?? null,
    })),
  )
  await sql`
    INSERT INTO deliveries (channel, user_id, destination, notification_type, notification_id, template, locale, payload, event_source, event_id, next_attempt_at, deferred_until, deferral_reason)
    SELECT channel, user_id, destination, notification_type, notification_id, template, locale, payload, event_source, event_id, coalesce(not_before, ${now?.toISOString() ?? null}::timestamptz, now()), not_before, deferral_reason
    FROM json_to_recordset(${json}::json) AS r(channel text, user_id text, destination text, notification_type text, notification_id uuid, template text, locale text, payload jsonb, event_source text, event_id text, not_before timestamptz, deferral_reason text)`.execute(trx)
}

// The database's clock, unless the app runs on a clock of its own (tests move it forward).
const dueClock = (now?: Date) => (now ? sql`${now.toISOString()}::timestamptz` : sql`now()`)
const isDue = (channel: ChannelName, clock: ReturnType<typeof dueClock>) => sql`channel = ${channel} AND status = 'pending' AND next_attempt_at <= ${clock}`

/**
 * Whether a claim would find anything: a read, where an empty claim is an UPDATE that
 * still runs the table's statement triggers. Locked rows count as due.
 */
export async function hasDueDeliveries(db: Kysely<Database>, channel: ChannelName, now?: Date): Promise<boolean> {
  const { rows } = await sql<{ due: boolean }>`SELECT EXISTS (SELECT 1 FROM deliveries WHERE ${isDue(channel, dueClock(now))}) AS due`.execute(db)
  return rows[0]?.due ?? false
}

/**
 * Takes up to `limit` due deliveries of one channel for this instance. `SKIP LOCKED` lets
 * replicas claim side by side. Each claim names its holder and gets a fresh token; the
 * stuck-work bound (next_attempt_at pushed forward) returns it if the holder is alive but
 * never finishes. A dead holder's claims are released before this (releaseOrphanedClaims).
 */
export async function claimDueDeliveries(db: Kysely<Database>, channel: ChannelName, limit: number, stuckAfterMs: number, instanceId: string, now?: Date): Promise<ClaimedDelivery[]> {
  const clock = dueClock(now)
  const { rows } = await sql<ClaimedDelivery>`
    UPDATE deliveries d
    SET attempts = d.attempts + 1,
        next_attempt_at = greatest(now(), ${clock}) + make_interval(secs => ${stuckAfterMs / 1000}),
        claimed_by = ${instanceId}::uuid,
        -- One fresh token per claim round, not per row: a row claimed again gets another.
        claim_token = ${randomUUID()}::uuid,
        updated_at = now()
    FROM (
      SELECT id FROM deliveries
      WHERE ${isDue(channel, clock)}
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE d.id = due.id
    RETURNING d.*`.execute(db)
  return rows
}

/** A claim and its fence: an outcome is written only while the claim is still this one. */
export interface ClaimRef {
  id: string
  token: string
  /** On a sent delivery: the template version it was rendered from (null = the file default). */
  templateVersion?: number | null
  /** What the provider called the accepted message (SMPP message ids, push message URL); kept by markSent. */
  providerId?: string
}

const claimsJson = (claims: ClaimRef[]) => JSON.stringify(claims.map((c) => ({ id: c.id, token: c.token, template_version: c.templateVersion ?? null, provider_id: c.providerId ?? null })))

/** Marks accepted deliveries sent; answers how many were still ours to mark. */
export async function markSent(db: Kysely<Database>, claims: ClaimRef[]): Promise<number> {
  if (claims.length === 0) return 0
  const result = await sql`
    UPDATE deliveries d
    SET status = 'sent', sent_at = now(), updated_at = now(), last_error = NULL, claimed_by = NULL, payload = ${eraseSecrets},
        template_version = c.template_version, provider_id = coalesce(c.provider_id, d.provider_id)
    FROM json_to_recordset(${claimsJson(claims)}::json) AS c(id uuid, token uuid, template_version integer, provider_id text)
    WHERE d.id = c.id AND d.claim_token = c.token AND d.status = 'pending'`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

export async function scheduleRetry(db: Kysely<Database>, claim: ClaimRef, error: string, delayMs: number): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ next_attempt_at: sql`now() + make_interval(secs => ${delayMs / 1000})`, last_error: error, claimed_by: null, updated_at: sql`now()` })
    .where('id', '=', claim.id)
    .where('claim_token', '=', claim.token)
    .where('status', '=', 'pending')
    .execute()
}

/** Ends a delivery that will not be tried again: `failed` (gave up, rejected, gone) or `expired`. */
export async function markFinal(db: Kysely<Database>, claim: ClaimRef, status: 'failed' | 'expired', error: string): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ status, last_error: error, claimed_by: null, updated_at: sql`now()`, payload: eraseSecrets })
    .where('id', '=', claim.id)
    .where('claim_token', '=', claim.token)
    .where('status', '=', 'pending')
    .execute()
}

/** Puts a failed delivery back in the queue for a fresh round of attempts (and a fresh give-up window). */
export async function requeueDelivery(db: Kysely<Database>, id: string, channel?: ChannelName): Promise<DeliveryRow | undefined> {
  let query = db
    .updateTable('deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: sql`now()`, round_started_at: sql`now()`, claimed_by: null, claim_token: null, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'failed')
    // A delivery whose user was erased (user.deleted) has no destination left to try.
    .where('destination', '<>', '')
  if (channel) query = query.where('channel', '=', channel)
  return query.returningAll().executeTakeFirst()
}

/**
 * Queue depth and the oldest waiting delivery's age, per channel. A delivery held on purpose
 * (quiet hours, a digest's window) waits from the moment it was due, not from its creation:
 * otherwise every night's quiet hours would look like a stuck queue to the alert rules.
 */
export async function pendingStats(db: Kysely<Database>): Promise<{ channel: ChannelName; pending: number; oldestAgeSeconds: number }[]> {
  const rows = await db
    .selectFrom('deliveries')
    .where('status', '=', 'pending')
    .groupBy('channel')
    .select([
      'channel',
      sql<number>`count(*)::int`.as('pending'),
      sql<number>`coalesce(extract(epoch from now() - min(coalesce(deferred_until, created_at)) FILTER (WHERE deferred_until IS NULL OR deferred_until <= now())), 0)::float8`.as('oldest'),
    ])
    .execute()
  return rows.map((r) => ({ channel: r.channel, pending: r.pending, oldestAgeSeconds: r.oldest }))
}

export interface DeliveryListFilter {
  channel?: ChannelName
  status?: DeliveryStatus
  destination?: string
  limit: number
  before?: { createdAt: Date; id: string }
}

/** Operators' view: never the payload (it may hold a secret) or a rendered body. */
export async function listDeliveries(db: Kysely<Database>, filter: DeliveryListFilter) {
  let query = db
    .selectFrom('deliveries as d')
    .leftJoin('instances as i', 'i.id', 'd.claimed_by')
    .select([
      'd.id',
      'd.channel',
      'd.user_id',
      'd.destination',
      'd.notification_type',
      'd.notification_id',
      'd.template',
      'd.locale',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.last_error',
      'd.provider_id',
      'd.claimed_by',
      'i.host as holder_host',
      'i.pid as holder_pid',
      'd.created_at',
      'd.updated_at',
      'd.sent_at',
      'd.event_source',
      'd.event_id',
      'd.deferred_until',
      'd.deferral_reason',
    ])
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(filter.limit + 1)
  if (filter.channel) query = query.where('d.channel', '=', filter.channel)
  if (filter.status) query = query.where('d.status', '=', filter.status)
  if (filter.destination) query = query.where('d.destination', '=', filter.destination)
  if (filter.before) {
    const { createdAt, id } = filter.before
    query = query.where(sql<boolean>`(d.created_at, d.id) < (${createdAt}, ${id}::uuid)`)
  }
  return query.execute()
}

export type ListedDelivery = Awaited<ReturnType<typeof listDeliveries>>[number]

export async function deliveryStatus(db: Kysely<Database>, id: string, channel?: ChannelName): Promise<DeliveryStatus | undefined> {
  let query = db.selectFrom('deliveries').select('status').where('id', '=', id)
  if (channel) query = query.where('channel', '=', channel)
  return (await query.executeTakeFirst())?.status
}
