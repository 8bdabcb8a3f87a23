import { createHash, randomBytes } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

/** How long a ticket can be redeemed. */
export const TICKET_TTL_MS = 30_000

// Only a hash is stored: the table (or a backup of it) cannot open anyone's stream.
const hash = (ticket: string) => createHash('sha256').update(ticket).digest('base64url')

/**
 * A single-use ticket for opening a stream without a token in the URL. Kept in PostgreSQL,
 * so the replica that redeems it need not be the one that issued it. It never outlives
 * the token it was issued with, and neither does the stream it opens.
 */
export async function issueStreamTicket(db: Kysely<Database>, userId: string, tokenExpiresAt: Date): Promise<{ ticket: string; expiresAt: Date }> {
  const ticket = randomBytes(32).toString('base64url')
  const expiresAt = new Date(Math.min(Date.now() + TICKET_TTL_MS, tokenExpiresAt.getTime()))
  await db.insertInto('stream_tickets').values({ ticket_hash: hash(ticket), user_id: userId, token_expires_at: tokenExpiresAt, expires_at: expiresAt }).execute()
  return { ticket, expiresAt }
}

/** The ticket's user and token expiry, once: the DELETE ... RETURNING makes a second redeem find nothing. */
export async function redeemStreamTicket(db: Kysely<Database>, ticket: string): Promise<{ userId: string; tokenExpiresAt: Date } | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(ticket)) return undefined
  const row = await db
    .deleteFrom('stream_tickets')
    .where('ticket_hash', '=', hash(ticket))
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['user_id', 'token_expires_at'])
    .executeTakeFirst()
  return row && { userId: row.user_id, tokenExpiresAt: new Date(row.token_expires_at) }
}
