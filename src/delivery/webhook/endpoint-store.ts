import { type Kysely, sql } from 'kysely'
import type { Database, WebhookEndpointRow } from '../../db/schema.js'
import { newWebhookSecret } from './signing.js'

// Data access only: db first, no I/O beyond the query.

/** After a rotation, the old secret keeps signing this long so receivers can switch over. */
export const PREVIOUS_SECRET_VALID_MS = 24 * 3_600_000
/** An endpoint whose calls have failed for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3_600_000

/** What operators see of an endpoint: never a secret. */
export type WebhookEndpoint = Omit<WebhookEndpointRow, 'secret' | 'previous_secret'>

const PUBLIC_COLUMNS = ['id', 'url', 'events', 'description', 'previous_secret_expires_at', 'enabled', 'disabled_reason', 'disabled_at', 'failing_since', 'last_success_at', 'created_at', 'updated_at'] as const

export async function createEndpoint(db: Kysely<Database>, input: { url: string; events: string[]; description: string }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const secret = newWebhookSecret()
  const endpoint = await db
    .insertInto('webhook_endpoints')
    .values({ url: input.url, events: input.events, description: input.description, secret })
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirstOrThrow()
  return { endpoint, secret }
}

export function listEndpoints(db: Kysely<Database>): Promise<WebhookEndpoint[]> {
  return db.selectFrom('webhook_endpoints').select(PUBLIC_COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
}

export function getEndpoint(db: Kysely<Database>, id: string): Promise<WebhookEndpoint | undefined> {
  return db.selectFrom('webhook_endpoints').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst()
}

export async function deleteEndpoint(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** A new secret; the current one becomes the previous one, valid for another 24 h. */
export async function rotateSecret(db: Kysely<Database>, id: string, now = new Date()): Promise<{ endpoint: WebhookEndpoint; secret: string } | undefined> {
  const secret = newWebhookSecret()
  const endpoint = await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({
      previous_secret: eb.ref('secret'),
      previous_secret_expires_at: new Date(now.getTime() + PREVIOUS_SECRET_VALID_MS),
      secret,
      updated_at: now,
    }))
    .where('id', '=', id)
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirst()
  return endpoint && { endpoint, secret }
}

/** The enabled endpoints subscribed to an event type: planning makes one delivery for each. */
export function endpointsFor(db: Kysely<Database>, eventType: string): Promise<{ id: string; events: string[] }[]> {
  return db.selectFrom('webhook_endpoints').select(['id', 'events']).where('enabled', '=', true).where(sql<boolean>`events @> ARRAY[${eventType}]::text[]`).execute()
}

/** What the sender needs: the URL and the secrets that sign now. */
export async function endpointForSending(db: Kysely<Database>, id: string, now = new Date()): Promise<{ url: string; enabled: boolean; secrets: string[] } | undefined> {
  const row = await db.selectFrom('webhook_endpoints').select(['url', 'enabled', 'secret', 'previous_secret', 'previous_secret_expires_at']).where('id', '=', id).executeTakeFirst()
  if (!row) return undefined
  const previousValid = row.previous_secret && row.previous_secret_expires_at && new Date(row.previous_secret_expires_at) > now
  return { url: row.url, enabled: row.enabled, secrets: previousValid ? [row.secret, row.previous_secret as string] : [row.secret] }
}

export async function recordSuccess(db: Kysely<Database>, id: string, now = new Date()): Promise<void> {
  // Written only when it changes something an operator sees (a streak ends, or a minute
  // passed): a busy endpoint's calls do not all queue on one row lock.
  await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: null, last_success_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('failing_since', 'is not', null), eb('last_success_at', 'is', null), eb('last_success_at', '<', new Date(now.getTime() - 60_000))]))
    .execute()
}

/**
 * Notes a failed call; when the endpoint has been failing for 5 days it is disabled.
 * Returns the reason when this call disabled it.
 */
export async function recordFailure(db: Kysely<Database>, id: string, error: string, now = new Date()): Promise<string | undefined> {
  const row = await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({ failing_since: eb.fn.coalesce('failing_since', sql<Date>`${now}::timestamptz`) }))
    .where('id', '=', id)
    .returning(['failing_since', 'enabled'])
    .executeTakeFirst()
  if (!row?.enabled || !row.failing_since) return undefined
  const since = new Date(row.failing_since)
  if (now.getTime() - since.getTime() < DISABLE_AFTER_FAILING_MS) return undefined
  const reason = `failing since ${since.toISOString()} (over 5 days); last error: ${error}`
  await disableEndpoint(db, id, reason, now)
  return reason
}

export async function disableEndpoint(db: Kysely<Database>, id: string, reason: string, now = new Date()): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ enabled: false, disabled_reason: reason, disabled_at: now, updated_at: now }).where('id', '=', id).where('enabled', '=', true).execute()
}
