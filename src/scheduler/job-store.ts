import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database, ScheduledJobRow, ScheduledJobStatus } from '../db/schema.js'

type Db = Kysely<Database> | Transaction<Database>

export interface NewJob {
  kind: string
  key: string
  subject: string
  dueAt: Date
  payload: Record<string, unknown>
}

/**
 * Writes jobs, one per (kind, key): writing a job again moves it (new due time and payload)
 * and schedules it again, except a job already done for that same due time (exactly once).
 */
export async function scheduleJobs(db: Db, jobs: NewJob[]): Promise<void> {
  if (jobs.length === 0) return
  const json = JSON.stringify(jobs.map((j) => ({ kind: j.kind, key: j.key, subject: j.subject, due_at: j.dueAt.toISOString(), payload: j.payload })))
  await sql`
    INSERT INTO scheduled_jobs (kind, key, subject, due_at, payload)
    SELECT kind, key, subject, due_at, payload FROM json_to_recordset(${json}::json) AS r(kind text, key text, subject text, due_at timestamptz, payload jsonb)
    ORDER BY kind, key
    ON CONFLICT (kind, key) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload, status = 'scheduled', attempts = 0, last_error = NULL, updated_at = now(), done_at = NULL
    WHERE NOT (scheduled_jobs.status = 'done' AND scheduled_jobs.due_at = excluded.due_at)`.execute(db)
}

/** Cancels the scheduled jobs of these subjects (all of them, or only the given keys). */
export async function cancelJobs(db: Db, kind: string, subjects: string[], keys?: string[]): Promise<number> {
  if (subjects.length === 0 || keys?.length === 0) return 0
  const result = await sql`
    UPDATE scheduled_jobs SET status = 'cancelled', updated_at = now()
    WHERE kind = ${kind} AND subject = ANY(${subjects}::text[]) AND status = 'scheduled'
      ${keys ? sql`AND key = ANY(${keys}::text[])` : sql``}`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/**
 * Locks up to `limit` jobs due at `now`, oldest first, skipping those another transaction
 * holds. Only inside a transaction: the lock is the claim, and it ends with the transaction.
 */
export async function claimDueJobs(trx: Transaction<Database>, now: Date, limit: number): Promise<ScheduledJobRow[]> {
  const { rows } = await sql<ScheduledJobRow>`
    SELECT * FROM scheduled_jobs
    WHERE status = 'scheduled' AND due_at <= ${now.toISOString()}::timestamptz
    ORDER BY due_at
    LIMIT ${limit}
    FOR UPDATE SKIP LOCKED`.execute(trx)
  return rows
}

export async function markJobsDone(trx: Transaction<Database>, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return
  await sql`UPDATE scheduled_jobs SET status = 'done', done_at = ${at.toISOString()}::timestamptz, updated_at = now() WHERE id = ANY(${ids}::uuid[])`.execute(trx)
}

/** A job whose handler failed: tried again after `retryAt`, with the reason kept for operators. */
export async function markJobFailed(db: Db, id: string, error: string, retryAt: Date): Promise<void> {
  await sql`
    UPDATE scheduled_jobs SET attempts = attempts + 1, last_error = ${error.slice(0, 2_000)}, due_at = ${retryAt.toISOString()}::timestamptz, updated_at = now()
    WHERE id = ${id}::uuid AND status = 'scheduled'`.execute(db)
}

/** How late the oldest unclaimed due job is at `now`, in seconds (0 when none is due). */
export async function oldestDueAgeSeconds(db: Db, now: Date): Promise<number> {
  const { rows } = await sql<{ age: number | null }>`
    SELECT extract(epoch FROM (${now.toISOString()}::timestamptz - min(due_at)))::float8 AS age
    FROM scheduled_jobs WHERE status = 'scheduled' AND due_at <= ${now.toISOString()}::timestamptz`.execute(db)
  return Math.max(0, rows[0]?.age ?? 0)
}

export interface JobQuery {
  kind: string
  status?: ScheduledJobStatus
  subject?: string
  limit: number
}

export async function listJobs(db: Db, q: JobQuery): Promise<ScheduledJobRow[]> {
  let query = db.selectFrom('scheduled_jobs').selectAll().where('kind', '=', q.kind)
  if (q.status) query = query.where('status', '=', q.status)
  if (q.subject) query = query.where('subject', '=', q.subject)
  return query.orderBy('due_at', 'desc').orderBy('id').limit(q.limit).execute()
}
