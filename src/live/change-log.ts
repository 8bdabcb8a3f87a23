import { type Kysely, sql } from 'kysely'
import type { Database, NotificationChangeKind } from '../db/schema.js'
import { type Counts, type NotificationStateView, type NotificationView, toStateView, toView } from '../notifications/notification-store.js'

/**
 * Reads `notification_changes` (written by triggers on every write to notifications) and
 * turns changes into the frames a stream sends. Live updates and the replay after a
 * reconnect are the same frames from the same rows, so they cannot drift apart.
 */

/** One server-sent event: `id` is the seq of the change it reports (Last-Event-ID). */
export type LiveFrame =
  | { id: number; event: 'notification'; data: NotificationView }
  | { id: number; event: 'notification-updated'; data: NotificationStateView }
  | { id: number; event: 'notification-deleted'; data: { id: string } | { all: true } }
  | { id: number; event: 'unread-count'; data: { count: number; unseenCount: number } }
  | { id: number; event: 'reset'; data: { reason: string } }

export interface Change {
  seq: number
  userId: string
  kind: NotificationChangeKind
  /** The frame it becomes; undefined when the notification is gone by now (its deletion follows). */
  frame: LiveFrame | undefined
}

/** How many missed changes a reconnect replays; past that the client is told to refetch. */
export const MAX_REPLAY = 1_000
/** How long changes are kept for replay. */
export const CHANGE_RETENTION_HOURS = 24

function changesQuery(db: Kysely<Database>) {
  return db
    .selectFrom('notification_changes as c')
    .leftJoin('notifications as n', 'n.id', 'c.notification_id')
    .select(['c.seq', 'c.user_id', 'c.kind', 'c.notification_id', 'n.id', 'n.type', 'n.title', 'n.body', 'n.data', 'n.created_at', 'n.read_at', 'n.seen_at', 'n.archived_at'])
    .orderBy('c.seq')
}

type ChangeRow = Awaited<ReturnType<ReturnType<typeof changesQuery>['execute']>>[number]

function toChange(row: ChangeRow): Change {
  const seq = row.seq
  let frame: LiveFrame | undefined
  if (row.kind === 'deleted') frame = { id: seq, event: 'notification-deleted', data: { id: row.notification_id! } }
  else if (row.kind === 'cleared') frame = { id: seq, event: 'notification-deleted', data: { all: true } }
  else if (row.id !== null) {
    const n = { ...row, id: row.id, type: row.type!, title: row.title!, body: row.body!, data: row.data!, created_at: row.created_at! }
    frame = row.kind === 'created' ? { id: seq, event: 'notification', data: toView(n) } : { id: seq, event: 'notification-updated', data: toStateView(n) }
  }
  return { seq, userId: row.user_id, kind: row.kind, frame }
}

/** The changes of one NOTIFY (a seq range), for the given users or, without them, everyone. */
export async function changesInRange(db: Kysely<Database>, from: number, to: number, userIds?: string[]): Promise<Change[]> {
  let query = changesQuery(db).where('c.seq', '>=', from).where('c.seq', '<=', to)
  if (userIds) query = query.where('c.user_id', '=', sql<string>`ANY(${userIds}::text[])`)
  return (await query.execute()).map(toChange)
}

/** The newest seq handed out so far (0 before the first change): a new stream's starting id. */
export async function headSeq(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ head: number | null }>`SELECT pg_sequence_last_value('notification_changes_seq_seq'::regclass) AS head`.execute(db)
  return Number(rows[0]?.head ?? 0)
}

export type Replay = { complete: true; changes: Change[] } | { complete: false; reason: string }

/**
 * A user's changes after `lastSeq`, or why they cannot all be given: the id is not one this
 * database handed out, the changes after it have been pruned, or there are too many.
 */
export async function replaySince(db: Kysely<Database>, userId: string, lastSeq: number, head: number): Promise<Replay> {
  if (lastSeq > head) return { complete: false, reason: 'unknown Last-Event-ID' }
  const { rows } = await sql<{ oldest: number | null }>`SELECT min(seq) AS oldest FROM notification_changes`.execute(db)
  const oldest = rows[0]?.oldest
  // Seqs before the oldest kept one may have been pruned (or rolled back: a harmless refetch).
  if (lastSeq < head && (oldest === null || oldest === undefined || Number(oldest) > lastSeq + 1)) return { complete: false, reason: 'changes since Last-Event-ID are no longer kept' }
  const changes = (await changesQuery(db).where('c.user_id', '=', userId).where('c.seq', '>', lastSeq).limit(MAX_REPLAY + 1).execute()).map(toChange)
  if (changes.length > MAX_REPLAY) return { complete: false, reason: 'too many changes since Last-Event-ID' }
  return { complete: true, changes }
}

export const countFrame = (id: number, c: Counts): LiveFrame => ({ id, event: 'unread-count', data: { count: c.unread, unseenCount: c.unseen } })

/** Bounded deletes of changes older than the replay window, and of expired stream tickets. */
export async function pruneChangeLog(db: Kysely<Database>, batchSize = 5_000): Promise<number> {
  let total = 0
  for (;;) {
    const result = await sql`
      DELETE FROM notification_changes c USING (
        SELECT seq FROM notification_changes WHERE changed_at < now() - make_interval(hours => ${CHANGE_RETENTION_HOURS}) ORDER BY seq LIMIT ${batchSize}
      ) old WHERE c.seq = old.seq`.execute(db)
    const n = Number(result.numAffectedRows ?? 0)
    total += n
    if (n < batchSize) break
  }
  await db.deleteFrom('stream_tickets').where('expires_at', '<', sql<Date>`now()`).execute()
  return total
}
