import { type Kysely, type Transaction, sql } from 'kysely'
import type { AnnouncementRow, Database } from '../db/schema.js'
import type { AnnouncementChannel, AnnouncementRecipient, Audience } from '../domain/announcements.js'

type Db = Transaction<Database> | Kysely<Database>

export interface NewAnnouncement {
  title: string
  body: string
  url: string | null
  audience: Audience
  channels: AnnouncementChannel[]
  sendAt: Date
  createdBy: string
}

export async function createAnnouncement(db: Db, a: NewAnnouncement): Promise<AnnouncementRow> {
  return db
    .insertInto('announcements')
    .values({ title: a.title, body: a.body, url: a.url, audience: JSON.stringify(a.audience), channels: a.channels, send_at: a.sendAt, created_by: a.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function getAnnouncement(db: Db, id: string): Promise<AnnouncementRow | undefined> {
  return db.selectFrom('announcements').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Newest first, after a (created_at, id) cursor. */
export async function listAnnouncements(db: Db, o: { limit: number; before?: { createdAt: Date; id: string } }): Promise<AnnouncementRow[]> {
  let query = db.selectFrom('announcements').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(o.limit + 1)
  if (o.before) query = query.where(sql<boolean>`(created_at, id) < (${o.before.createdAt}, ${o.before.id}::uuid)`)
  return query.execute()
}

/**
 * Cancels an announcement that is not yet fully sent. Waits for a batch in progress (it
 * holds the row), so the counts it leaves are final: no batch starts after this commits.
 */
export async function cancelAnnouncement(db: Db, id: string, now: Date): Promise<AnnouncementRow | undefined> {
  return db
    .updateTable('announcements')
    .set({ status: 'cancelled', cancelled_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', ['scheduled', 'sending'])
    .returningAll()
    .executeTakeFirst()
}

/**
 * Takes the oldest due announcement still to fan out, locked for this transaction;
 * SKIP LOCKED lets another replica take a different one meanwhile, never the same.
 */
export async function lockDueAnnouncement(trx: Transaction<Database>, now: Date): Promise<AnnouncementRow | undefined> {
  const { rows } = await sql<AnnouncementRow>`
    SELECT * FROM announcements
    WHERE status IN ('scheduled', 'sending') AND send_at <= ${now}
    ORDER BY send_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED`.execute(trx)
  return rows[0]
}

/** The next recipients after `cursor` in user id order, with the directory's facts. */
export async function nextRecipients(trx: Transaction<Database>, audience: Audience, cursor: string | null, limit: number): Promise<AnnouncementRecipient[]> {
  const after = cursor ?? ''
  type Row = { user_id: string; email: string | null; name: string | null; locale: string | null }
  let rows: Row[]
  if ('all' in audience) {
    ;({ rows } = await sql<Row>`
      SELECT user_id, email, name, locale FROM people WHERE user_id > ${after} ORDER BY user_id LIMIT ${limit}`.execute(trx))
  } else if ('userIds' in audience) {
    // Listed users the directory does not know still get what needs no address (in-app, push).
    ;({ rows } = await sql<Row>`
      SELECT u.user_id, p.email, p.name, p.locale
      FROM unnest(${audience.userIds}::text[]) AS u(user_id) LEFT JOIN people p ON p.user_id = u.user_id
      WHERE u.user_id > ${after} ORDER BY u.user_id LIMIT ${limit}`.execute(trx))
  } else {
    ;({ rows } = await sql<Row>`
      SELECT h.user_id, p.email, p.name, p.locale
      FROM hall_people h LEFT JOIN people p ON p.user_id = h.user_id
      WHERE h.hall_id = ${audience.hallId} AND h.user_id > ${after} ORDER BY h.user_id LIMIT ${limit}`.execute(trx))
  }
  return rows.map((r) => ({ userId: r.user_id, email: r.email, name: r.name, locale: r.locale }))
}

/** Records that these users are reached; answers those not reached before (the unique key decides). */
export async function markReached(trx: Transaction<Database>, announcementId: string, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set()
  const { rows } = await sql<{ user_id: string }>`
    INSERT INTO announcement_recipients (announcement_id, user_id)
    SELECT ${announcementId}::uuid, unnest(${userIds}::text[])
    ON CONFLICT DO NOTHING
    RETURNING user_id`.execute(trx)
  return new Set(rows.map((r) => r.user_id))
}

export interface BatchProgress {
  cursor: string | null
  recipients: number
  inApp: number
  email: number
  push: number
  finished: boolean
}

export async function recordProgress(trx: Transaction<Database>, id: string, p: BatchProgress, now: Date): Promise<void> {
  await trx
    .updateTable('announcements')
    .set((eb) => ({
      cursor: p.cursor,
      recipients: eb('recipients', '+', p.recipients),
      in_app_count: eb('in_app_count', '+', p.inApp),
      email_count: eb('email_count', '+', p.email),
      push_count: eb('push_count', '+', p.push),
      status: p.finished ? 'sent' : 'sending',
      started_at: sql`coalesce(started_at, ${now}::timestamptz)`,
      finished_at: p.finished ? now : null,
      updated_at: now,
    }))
    .where('id', '=', id)
    .execute()
}
