import type { Test } from 'tap'
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { Database } from '../../src/db/schema.js'

/**
 * "Nothing lost, nothing doubled", counted in the database: every event recorded once,
 * and no (event, recipient, type) with more than one notification or email.
 */
export async function effectCounts(db: Kysely<Database>) {
  const one = async (query: ReturnType<typeof sql<{ n: number }>>) => Number((await query.execute(db)).rows[0]?.n ?? 0)
  return {
    events: await one(sql<{ n: number }>`SELECT count(*)::int AS n FROM processed_events`),
    notifications: await one(sql<{ n: number }>`SELECT count(*)::int AS n FROM notifications`),
    emails: await one(sql<{ n: number }>`SELECT count(*)::int AS n FROM email_outbox`),
    doubledNotifications: await one(sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM notifications GROUP BY event_source, event_id, user_id, type HAVING count(*) > 1) d`),
    doubledEmails: await one(sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM email_outbox GROUP BY event_source, event_id, user_id, notification_type HAVING count(*) > 1) d`),
  }
}

/** Waits until no email is left pending or failed, and says what is left when it gives up. */
export async function waitAllEmailsSent(db: Kysely<Database>, received: () => number, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout
  for (;;) {
    const left = await db.selectFrom('email_outbox').select('id').where('status', '!=', 'sent').limit(1).execute()
    if (left.length === 0) return
    if (Date.now() > deadline) {
      const byStatus = await db.selectFrom('email_outbox').select(['status', (eb) => eb.fn.countAll().as('n')]).groupBy('status').execute()
      // Pending ones split by why they wait: due now, or not before a retry time or a claim's lease.
      const pending = await sql<{ due: number; later: number; max_attempts: number }>`
        SELECT count(*) FILTER (WHERE next_attempt_at <= now())::int AS due, count(*) FILTER (WHERE next_attempt_at > now())::int AS later, max(attempts) AS max_attempts
        FROM email_outbox WHERE status = 'pending'`.execute(db)
      throw new Error(`emails not all sent in ${timeout} ms; outbox: ${JSON.stringify(byStatus)}; pending: ${JSON.stringify(pending.rows[0])}; received ${received()}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}


/** Exactly the expected rows, and no (event, recipient, type) twice. */
export async function assertEffectsOnce(t: Test, db: Kysely<Database>, expected: { notifications: number; emails: number }): Promise<void> {
  const counts = await effectCounts(db)
  t.equal(counts.notifications, expected.notifications, 'every notification, once')
  t.equal(counts.emails, expected.emails, 'every email job, once')
  t.equal(counts.doubledNotifications, 0, 'no notification twice')
  t.equal(counts.doubledEmails, 0, 'no email twice in the outbox')
}
