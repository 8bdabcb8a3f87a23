import { type Kysely, sql } from 'kysely'
import type { Database, NotificationRow } from '../db/schema.js'
import { publishUnreadChanged } from '../live/notification-channel.js'

/** A notification as the API shows it. */
export interface NotificationView {
  id: string
  type: string
  title: string
  body: string
  data: Record<string, unknown>
  createdAt: string
  readAt: string | null
}

export function toView(row: Pick<NotificationRow, 'id' | 'type' | 'title' | 'body' | 'data' | 'created_at' | 'read_at'>): NotificationView {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    body: row.body,
    data: row.data,
    createdAt: new Date(row.created_at).toISOString(),
    readAt: row.read_at ? new Date(row.read_at).toISOString() : null,
  }
}

const COLUMNS = ['id', 'type', 'title', 'body', 'data', 'created_at', 'read_at'] as const
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Ids are uuids; anything else cannot name a row, so it is simply "not found". */
export const isNotificationId = (id: string) => UUID.test(id)

export interface Cursor {
  createdAt: string
  id: string
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url')
}

/** Returns `undefined` for a cursor this service did not make. */
export function decodeCursor(raw: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString())
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && UUID.test(value[1]) && !Number.isNaN(Date.parse(value[0]))) {
      return { createdAt: value[0], id: value[1] }
    }
  } catch {
    // fall through: not one of ours
  }
  return undefined
}

export interface ListQuery {
  limit: number
  cursor?: Cursor
  status: 'all' | 'unread' | 'read'
  type?: string
}

/**
 * Newest first, keyset-paginated on (created_at, id): a page starts strictly after the
 * last row of the previous one, so rows that arrive meanwhile neither shift nor repeat it.
 */
export async function listNotifications(db: Kysely<Database>, userId: string, q: ListQuery) {
  let query = db
    .selectFrom('notifications')
    .select(COLUMNS)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
  if (q.status === 'unread') query = query.where('read_at', 'is', null)
  if (q.status === 'read') query = query.where('read_at', 'is not', null)
  if (q.type) query = query.where('type', '=', q.type)
  if (q.cursor) query = query.where(sql<boolean>`(created_at, id) < (${q.cursor.createdAt}::timestamptz, ${q.cursor.id}::uuid)`)
  const rows = await query.execute()
  const page = rows.slice(0, q.limit).map(toView)
  const last = page[page.length - 1]
  return { items: page, nextCursor: rows.length > q.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null }
}

export async function countUnread(db: Kysely<Database>, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select(sql<number>`count(*)::int`.as('count'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow()
  return row.count
}

export async function getNotification(db: Kysely<Database>, userId: string, id: string): Promise<NotificationView | undefined> {
  if (!isNotificationId(id)) return undefined
  const row = await db.selectFrom('notifications').select(COLUMNS).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
  return row && toView(row)
}

export async function setRead(db: Kysely<Database>, userId: string, id: string, read: boolean): Promise<NotificationView | undefined> {
  if (!isNotificationId(id)) return undefined
  const row = await db
    .updateTable('notifications')
    // Reading twice keeps the first time it was read.
    .set({ read_at: read ? sql`coalesce(read_at, now())` : null })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning(COLUMNS)
    .executeTakeFirst()
  if (row) await publishUnreadChanged(db, [userId])
  return row && toView(row)
}

export async function markManyRead(db: Kysely<Database>, userId: string, ids: string[]): Promise<number> {
  const valid = [...new Set(ids.filter(isNotificationId))]
  if (valid.length === 0) return 0
  const result = await db
    .updateTable('notifications')
    .set({ read_at: sql`now()` })
    .where('user_id', '=', userId)
    .where('id', '=', sql<string>`ANY(${valid}::uuid[])`)
    .where('read_at', 'is', null)
    .executeTakeFirst()
  const updated = Number(result.numUpdatedRows)
  if (updated > 0) await publishUnreadChanged(db, [userId])
  return updated
}

export async function markAllRead(db: Kysely<Database>, userId: string): Promise<number> {
  const result = await db.updateTable('notifications').set({ read_at: sql`now()` }).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst()
  const updated = Number(result.numUpdatedRows)
  if (updated > 0) await publishUnreadChanged(db, [userId])
  return updated
}

export async function deleteNotification(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  if (!isNotificationId(id)) return false
  const result = await db.deleteFrom('notifications').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
  const deleted = Number(result.numDeletedRows) > 0
  if (deleted) await publishUnreadChanged(db, [userId])
  return deleted
}

export async function deleteAllNotifications(db: Kysely<Database>, userId: string): Promise<number> {
  const result = await db.deleteFrom('notifications').where('user_id', '=', userId).executeTakeFirst()
  const deleted = Number(result.numDeletedRows)
  if (deleted > 0) await publishUnreadChanged(db, [userId])
  return deleted
}

/** For live streams: the given notifications, read back once for all streams of an instance. */
export async function notificationsByIds(db: Kysely<Database>, ids: string[]) {
  if (ids.length === 0) return []
  return db
    .selectFrom('notifications')
    .select([...COLUMNS, 'user_id'])
    .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

export async function unreadCounts(db: Kysely<Database>, userIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>(userIds.map((u) => [u, 0]))
  if (userIds.length === 0) return counts
  const rows = await db
    .selectFrom('notifications')
    .select(['user_id', sql<number>`count(*)::int`.as('count')])
    .where('user_id', '=', sql<string>`ANY(${userIds}::text[])`)
    .where('read_at', 'is', null)
    .groupBy('user_id')
    .execute()
  for (const row of rows) counts.set(row.user_id, row.count)
  return counts
}
