import { type Kysely, sql } from 'kysely'
import type { Database, NotificationChangeKind } from '../db/schema.js'
import { type Counts, type NotificationStateView, type NotificationView, toStateView, toView } from '../notifications/notification-store.js'
import type { StreamPosition } from './stream-position.js'

/**
 * Reads `notification_changes` (written by triggers on every write to notifications) and
 * turns changes into the frames a stream sends. Live updates and the replay after a
 * reconnect are the same frames from the same rows, so they cannot drift apart.
 */

/**
 * A change's frame carries its `seq`, the transaction that wrote it (`xid`) and the
 * `horizon` it was read under: once it is sent, every change with a seq up to its own from
 * a transaction older than the horizon has been sent too (null: no such promise). The
 * stream turns these into the position it writes as `id:` (see stream-position.ts).
 */
type Frame<E extends string, D> = { id: number; xid?: number | null; horizon?: number | null; event: E; data: D }

export type LiveFrame =
  | Frame<'notification', NotificationView>
  | Frame<'notification-updated', NotificationStateView>
  | Frame<'notification-deleted', { id: string } | { all: true }>
  | Frame<'unread-count', { count: number; unseenCount: number }>
  | Frame<'reset', { reason: string }>

export interface Change {
  seq: number
  xid: number | null
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
    .select(sql<number | null>`c.xid::text::bigint`.as('xid'))
    .orderBy('c.seq')
}

type ChangeRow = Awaited<ReturnType<ReturnType<typeof changesQuery>['execute']>>[number]

function toChange(row: ChangeRow, horizon: number | null): Change {
  const { seq, xid } = row
  const at = { id: seq, xid, horizon }
  let frame: LiveFrame | undefined
  if (row.kind === 'deleted') frame = { ...at, event: 'notification-deleted', data: { id: row.notification_id! } }
  else if (row.kind === 'cleared') frame = { ...at, event: 'notification-deleted', data: { all: true } }
  else if (row.id !== null) {
    const n = { ...row, id: row.id, type: row.type!, title: row.title!, body: row.body!, data: row.data!, created_at: row.created_at! }
    frame = row.kind === 'created' ? { ...at, event: 'notification', data: toView(n) } : { ...at, event: 'notification-updated', data: toStateView(n) }
  }
  return { seq, xid, userId: row.user_id, kind: row.kind, frame }
}

/**
 * The changes of one NOTIFY (a seq range), for the given users or, without them, everyone;
 * `horizon` is the NOTIFY's xmin: messages arrive in commit order, so every older
 * transaction's changes came in earlier messages.
 */
export async function changesInRange(db: Kysely<Database>, from: number, to: number, userIds?: string[], horizon: number | null = null): Promise<Change[]> {
  let query = changesQuery(db).where('c.seq', '>=', from).where('c.seq', '<=', to)
  if (userIds) query = query.where('c.user_id', '=', sql<string>`ANY(${userIds}::text[])`)
  return (await query.execute()).map((row) => toChange(row, horizon))
}

/**
 * Where a stream opened now starts: the newest seq handed out so far (0 before the first
 * change) and the oldest transaction still running, which may yet commit lower seqs.
 */
export async function headPosition(db: Kysely<Database>): Promise<StreamPosition> {
  const { rows } = await sql<{ head: number | null; xmin: number }>`
    SELECT pg_sequence_last_value('notification_changes_seq_seq'::regclass) AS head, pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin`.execute(db)
  return { seq: Number(rows[0]?.head ?? 0), xmin: Number(rows[0]!.xmin) }
}

/** `head`: the newest seq and the oldest running transaction when it was read (where a reset leaves a stream). */
export type Replay = { complete: true; changes: Change[]; head: StreamPosition } | { complete: false; reason: string; head: StreamPosition }

/**
 * A user's changes that `from` does not cover, in seq order, or why they cannot all be
 * given: the id is not one this database handed out, the changes after it have been
 * pruned, or there are too many. One statement, so one snapshot: its xmin is the horizon
 * of every change it returns (all older transactions had finished, and are in it).
 */
export async function replaySince(db: Kysely<Database>, userId: string, from: StreamPosition): Promise<Replay> {
  const xmin = from.xmin === null ? null : String(from.xmin)
  const missed = changesQuery(db)
    .where('c.user_id', '=', userId)
    .where((eb) => eb.or([eb('c.seq', '>', from.seq), eb('c.xid', '>=', sql<string>`${xmin}::xid8`)]))
    .limit(MAX_REPLAY + 1)
  const { rows } = await sql<ChangeRow & { horizon: number; next_xid: number; head: number | null; oldest: number | null }>`
    WITH at AS (
      SELECT pg_snapshot_xmin(s)::text::bigint AS horizon, pg_snapshot_xmax(s)::text::bigint AS next_xid,
        pg_sequence_last_value('notification_changes_seq_seq'::regclass) AS head,
        (SELECT min(seq) FROM notification_changes) AS oldest
      FROM pg_current_snapshot() s)
    SELECT at.*, missed.* FROM at LEFT JOIN LATERAL (${missed}) missed ON true`.execute(db)
  const { next_xid: nextXid, oldest } = rows[0]!
  const horizon = Number(rows[0]!.horizon)
  const head = { seq: Number(rows[0]!.head ?? 0), xmin: horizon }
  if (from.seq > head.seq || (from.xmin !== null && from.xmin > Number(nextXid))) return { complete: false, reason: 'unknown Last-Event-ID', head }
  // Seqs before the oldest kept one may have been pruned (or rolled back: a harmless refetch).
  if (from.seq < head.seq && (oldest === null || Number(oldest) > from.seq + 1)) return { complete: false, reason: 'changes since Last-Event-ID are no longer kept', head }
  const found = rows.filter((row) => row.seq !== null)
  if (found.length > MAX_REPLAY) return { complete: false, reason: 'too many changes since Last-Event-ID', head }
  return { complete: true, changes: found.map((row) => toChange(row, horizon)), head }
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
