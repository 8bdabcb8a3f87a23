import { type Kysely, sql } from 'kysely'
import type { Database, EmailOutboxRow, EmailStatus } from '../db/schema.js'
import { SECRET_DATA_KEYS as SECRET_PAYLOAD_KEYS } from '../domain/events.js'
const eraseSecrets = sql<string>`payload - ${SECRET_PAYLOAD_KEYS}::text[]`

/**
 * Takes up to `limit` due emails for this sender. `SKIP LOCKED` lets replicas claim side
 * by side; the lease (next_attempt_at pushed forward) returns an email to the queue if
 * its sender dies before recording the outcome.
 */
export async function claimDueEmails(db: Kysely<Database>, limit: number, leaseMs: number): Promise<EmailOutboxRow[]> {
  const { rows } = await sql<EmailOutboxRow>`
    UPDATE email_outbox o
    SET attempts = o.attempts + 1,
        next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}),
        updated_at = now()
    FROM (
      SELECT id FROM email_outbox
      WHERE status = 'pending' AND next_attempt_at <= now()
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE o.id = due.id
    RETURNING o.*`.execute(db)
  return rows
}

export async function markSent(db: Kysely<Database>, ids: string[]): Promise<void> {
  if (ids.length === 0) return
  await db
    .updateTable('email_outbox')
    .set({ status: 'sent', sent_at: sql`now()`, updated_at: sql`now()`, last_error: null, payload: eraseSecrets })
    .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
    .where('status', '=', 'pending')
    .execute()
}

export async function scheduleRetry(db: Kysely<Database>, id: string, error: string, delayMs: number): Promise<void> {
  await db
    .updateTable('email_outbox')
    .set({ next_attempt_at: sql`now() + make_interval(secs => ${delayMs / 1000})`, last_error: error, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute()
}

export async function markFailed(db: Kysely<Database>, id: string, error: string): Promise<void> {
  await db
    .updateTable('email_outbox')
    .set({ status: 'failed', last_error: error, updated_at: sql`now()`, payload: eraseSecrets })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute()
}

/** Puts a failed email back in the queue for a fresh round of attempts. */
export async function requeueEmail(db: Kysely<Database>, id: string): Promise<EmailOutboxRow | undefined> {
  return db
    .updateTable('email_outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .returningAll()
    .executeTakeFirst()
}

export async function pendingEmailStats(db: Kysely<Database>): Promise<{ pending: number; oldestAgeSeconds: number }> {
  const row = await db
    .selectFrom('email_outbox')
    .where('status', '=', 'pending')
    .select([
      sql<number>`count(*)::int`.as('pending'),
      sql<number>`coalesce(extract(epoch from now() - min(created_at)), 0)::float8`.as('oldest'),
    ])
    .executeTakeFirstOrThrow()
  return { pending: row.pending, oldestAgeSeconds: row.oldest }
}

export interface EmailListFilter {
  status?: EmailStatus
  recipient?: string
  limit: number
  before?: { createdAt: Date; id: string }
}

/** Operators' view: never the payload (it may hold a secret) or the rendered body. */
export async function listEmails(db: Kysely<Database>, filter: EmailListFilter) {
  let query = db
    .selectFrom('email_outbox')
    .select(['id', 'user_id', 'recipient', 'notification_type', 'template', 'locale', 'status', 'attempts', 'next_attempt_at', 'last_error', 'created_at', 'updated_at', 'sent_at', 'event_source', 'event_id'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
  if (filter.status) query = query.where('status', '=', filter.status)
  if (filter.recipient) query = query.where('recipient', '=', filter.recipient)
  if (filter.before) {
    const { createdAt, id } = filter.before
    query = query.where(sql<boolean>`(created_at, id) < (${createdAt}, ${id}::uuid)`)
  }
  return query.execute()
}
