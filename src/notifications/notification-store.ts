import { type Kysely, sql } from 'kysely'
import type { Database, NotificationRow } from '../db/schema.js'
import { type NotificationCategory, categoryOf, typesOfCategory, urlOf } from '../domain/notification-links.js'
import { NOTIFICATION_TYPES } from '../domain/notification-types.js'

// Stores are data access only: the triggers on `notifications` record every change and
// announce it (see src/live/notification-channel.ts), whoever writes.

/** A notification as the API shows it. */
export interface NotificationView {
  id: string
  type: string
  category: NotificationCategory
  title: string
  body: string
  url: string
  data: Record<string, unknown>
  createdAt: string
  readAt: string | null
  seenAt: string | null
  archivedAt: string | null
}

/** What a second tab needs to follow a change of state. */
export interface NotificationStateView {
  id: string
  readAt: string | null
  seenAt: string | null
  archivedAt: string | null
}

type ViewRow = Pick<NotificationRow, 'id' | 'type' | 'title' | 'body' | 'data' | 'created_at' | 'read_at' | 'seen_at' | 'archived_at'>

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null)

export function toView(row: ViewRow): NotificationView {
  return {
    id: row.id,
    type: row.type,
    category: categoryOf(row.type),
    title: row.title,
    body: row.body,
    url: urlOf(row.type, row.data),
    data: row.data,
    createdAt: new Date(row.created_at).toISOString(),
    readAt: iso(row.read_at),
    seenAt: iso(row.seen_at),
    archivedAt: iso(row.archived_at),
  }
}

export const toStateView = (row: Pick<NotificationRow, 'id' | 'read_at' | 'seen_at' | 'archived_at'>): NotificationStateView => ({
  id: row.id,
  readAt: iso(row.read_at),
  seenAt: iso(row.seen_at),
  archivedAt: iso(row.archived_at),
})

export const COLUMNS = ['id', 'type', 'title', 'body', 'data', 'created_at', 'read_at', 'seen_at', 'archived_at'] as const
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

// Exactly what toISOString writes (years 0000-9999): PostgreSQL takes every such value,
// where Date.parse also takes "0", "+275760-09-13" and other strings PostgreSQL refuses.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Returns `undefined` for a cursor this service did not make. */
export function decodeCursor(raw: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString())
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && UUID.test(value[1]) && isInstant(value[0])) {
      return { createdAt: value[0], id: value[1] }
    }
  } catch {
    // fall through: not one of ours
  }
  return undefined
}

function isInstant(value: string): boolean {
  if (!ISO_INSTANT.test(value)) return false
  const time = Date.parse(value)
  // A round trip refuses a 31st of February or a 25th hour.
  return !Number.isNaN(time) && new Date(time).toISOString() === value
}

export type ArchivedFilter = 'false' | 'true' | 'all'

export interface ListQuery {
  limit: number
  cursor?: Cursor
  status: 'all' | 'unread' | 'read'
  type?: string
  archived: ArchivedFilter
  category?: NotificationCategory
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
  if (q.archived === 'false') query = query.where('archived_at', 'is', null)
  if (q.archived === 'true') query = query.where('archived_at', 'is not', null)
  if (q.type) query = query.where('type', '=', q.type)
  if (q.category) query = query.where('type', '=', sql<string>`ANY(${typesOfCategory(q.category, NOTIFICATION_TYPES)}::text[])`)
  if (q.cursor) query = query.where(sql<boolean>`(created_at, id) < (${q.cursor.createdAt}::timestamptz, ${q.cursor.id}::uuid)`)
  const rows = await query.execute()
  const page = rows.slice(0, q.limit).map(toView)
  const last = page[page.length - 1]
  return { items: page, nextCursor: rows.length > q.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null }
}

export interface Counts {
  /** Every unread notification, archived or not. */
  unread: number
  /** Not yet seen in the bell, and not archived. */
  unseen: number
}

export async function countUnread(db: Kysely<Database>, userId: string): Promise<number> {
  return (await counts(db, [userId])).get(userId)!.unread
}

/** Both counts of each user, in one query (each side bounded by its partial index). */
export async function counts(db: Kysely<Database>, userIds: string[]): Promise<Map<string, Counts>> {
  const result = new Map<string, Counts>(userIds.map((u) => [u, { unread: 0, unseen: 0 }]))
  if (userIds.length === 0) return result
  const rows = await db
    .selectFrom('notifications')
    .select([
      'user_id',
      sql<number>`count(*) FILTER (WHERE read_at IS NULL)::int`.as('unread'),
      sql<number>`count(*) FILTER (WHERE seen_at IS NULL AND archived_at IS NULL)::int`.as('unseen'),
    ])
    .where('user_id', '=', sql<string>`ANY(${userIds}::text[])`)
    .where(sql<boolean>`(read_at IS NULL OR (seen_at IS NULL AND archived_at IS NULL))`)
    .groupBy('user_id')
    .execute()
  for (const row of rows) result.set(row.user_id, { unread: row.unread, unseen: row.unseen })
  return result
}

export async function getNotification(db: Kysely<Database>, userId: string, id: string): Promise<NotificationView | undefined> {
  if (!isNotificationId(id)) return undefined
  const row = await db.selectFrom('notifications').select(COLUMNS).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
  return row && toView(row)
}

/**
 * A notification with its owner, by id alone: for a signed email link, which names the
 * notification but carries no token (the signature is checked before this is asked).
 */
export async function getNotificationWithOwner(db: Kysely<Database>, id: string): Promise<{ userId: string; notification: NotificationView } | undefined> {
  if (!isNotificationId(id)) return undefined
  const row = await db.selectFrom('notifications').select([...COLUMNS, 'user_id']).where('id', '=', id).executeTakeFirst()
  return row && { userId: row.user_id, notification: toView(row) }
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
  return row && toView(row)
}

export async function setArchived(db: Kysely<Database>, userId: string, id: string, archived: boolean): Promise<NotificationView | undefined> {
  if (!isNotificationId(id)) return undefined
  const row = await db
    .updateTable('notifications')
    .set({ archived_at: archived ? sql`coalesce(archived_at, now())` : null })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .returning(COLUMNS)
    .executeTakeFirst()
  return row && toView(row)
}

const validIds = (ids: string[]) => [...new Set(ids.filter(isNotificationId))]

export async function markManyRead(db: Kysely<Database>, userId: string, ids: string[]): Promise<number> {
  return markMany(db, userId, 'read_at', validIds(ids))
}

export async function markAllRead(db: Kysely<Database>, userId: string): Promise<number> {
  return markMany(db, userId, 'read_at')
}

export async function markManySeen(db: Kysely<Database>, userId: string, ids: string[]): Promise<number> {
  return markMany(db, userId, 'seen_at', validIds(ids))
}

export async function markAllSeen(db: Kysely<Database>, userId: string): Promise<number> {
  return markMany(db, userId, 'seen_at')
}

/** Sets a time on the given (or all) notifications that do not have it yet. */
async function markMany(db: Kysely<Database>, userId: string, column: 'read_at' | 'seen_at', ids?: string[]): Promise<number> {
  if (ids && ids.length === 0) return 0
  let query = db.updateTable('notifications').set({ [column]: sql`now()` }).where('user_id', '=', userId).where(column, 'is', null)
  if (ids) query = query.where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows)
}

export async function deleteNotification(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  if (!isNotificationId(id)) return false
  const result = await db.deleteFrom('notifications').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function deleteAllNotifications(db: Kysely<Database>, userId: string): Promise<number> {
  const result = await db.deleteFrom('notifications').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * All of a user's notifications, newest first, a keyset batch at a time: memory stays at
 * two batches however many there are, and no batch is read past the one being written.
 * Batches of 250 rather than 1,000: a batch lives while it is written, long enough for its
 * rows to be promoted to the old generation, which then grew by 16 MB over a long export
 * (9 MB at 250), at no measurable cost in time (the next batch is read while one is written).
 */
export async function* exportNotifications(db: Kysely<Database>, userId: string, batchSize = 250): AsyncGenerator<NotificationView[]> {
  const read = (cursor: Cursor | undefined): Promise<ViewRow[]> => {
    let query = db.selectFrom('notifications').select(COLUMNS).where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(batchSize)
    if (cursor) query = query.where(sql<boolean>`(created_at, id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`)
    const rows = query.execute()
    // Awaited below, unless the reader stops first: then its failure is nobody's to handle.
    rows.catch(() => {})
    return rows
  }
  // The next batch is read while this one is written: the query's round trip overlaps the
  // socket's, and memory holds at most two batches.
  let next: Promise<ViewRow[]> | undefined = read(undefined)
  while (next) {
    const rows: NotificationView[] = (await next).map(toView)
    const last = rows[rows.length - 1]
    next = rows.length === batchSize && last ? read({ createdAt: last.createdAt, id: last.id }) : undefined
    if (rows.length > 0) yield rows
  }
}
