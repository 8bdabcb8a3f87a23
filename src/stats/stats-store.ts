import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

export type StatsInterval = 'hour' | 'day'

export interface StatsBucketRow {
  bucket: Date
  type: string
  channel: string
  created: number
  sent: number
  failed: number
  read: number
  unsubscribed: number
  delivery_ms: number[] | null
  read_ms: number[] | null
}

export interface StatsFilter {
  interval: StatsInterval
  /** Buckets starting at or after this (already floored to the interval). */
  from: Date
  /** Buckets starting before this. */
  to: Date
  type?: string
  channel?: string
}

/** One side of the read: stats_buckets (its primary key's range) or the pending stats_deltas. */
function rangeOf(db: Kysely<Database>, table: 'stats_buckets' | 'stats_deltas', filter: StatsFilter) {
  let query = db
    .selectFrom(table)
    .select([
      'bucket',
      'type',
      'channel',
      // bigint arrives as text; a count fits a double exactly far beyond what one bucket holds.
      sql<number>`created::float8`.as('created'),
      sql<number>`sent::float8`.as('sent'),
      sql<number>`failed::float8`.as('failed'),
      sql<number>`read::float8`.as('read'),
      sql<number>`unsubscribed::float8`.as('unsubscribed'),
      // As "3,0,12": split by parseHistogram several times faster than the driver parses an
      // integer[], which was most of the time a month by hour (7,200 rows) took.
      sql<string | null>`array_to_string(delivery_ms, ',')`.as('delivery_ms'),
      sql<string | null>`array_to_string(read_ms, ',')`.as('read_ms'),
    ])
    .where('granularity', '=', filter.interval)
    .where('bucket', '>=', filter.from)
    .where('bucket', '<', filter.to)
  if (filter.type !== undefined) query = query.where('type', '=', filter.type)
  if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel)
  return query
}

/**
 * The rollup rows of one granularity in a range, oldest first, with the deltas not folded yet
 * added in. One statement, so one snapshot: a fold commits its DELETE of deltas and its
 * upsert of buckets together, so each committed fact is seen exactly once, whichever replica
 * is folding meanwhile (folding first, then reading, would miss deltas another replica holds).
 */
export async function readStatsBuckets(db: Kysely<Database>, filter: StatsFilter): Promise<StatsBucketRow[]> {
  const rows = await rangeOf(db, 'stats_buckets', filter)
    .unionAll(rangeOf(db, 'stats_deltas', filter))
    .orderBy('bucket')
    .orderBy('type')
    .orderBy('channel')
    .execute()
  return mergeSameBucket(rows.map((row) => ({ ...row, delivery_ms: parseHistogram(row.delivery_ms), read_ms: parseHistogram(row.read_ms) })))
}

const COMMA = 44
const ZERO = 48

/** "3,0,12" (array_to_string of a histogram) as [3, 0, 12]; counts are never negative. */
export function parseHistogram(text: string | null): number[] | null {
  if (text === null) return null
  const counts: number[] = []
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === COMMA) {
      counts.push(n)
      n = 0
    } else {
      n = n * 10 + (c - ZERO)
    }
  }
  counts.push(n)
  return counts
}

/** Adjacent rows of the same bucket, type and channel (a rollup and its pending deltas) as one. */
function mergeSameBucket(rows: StatsBucketRow[]): StatsBucketRow[] {
  const merged: StatsBucketRow[] = []
  let last: StatsBucketRow | undefined
  for (const row of rows) {
    if (last && last.bucket.getTime() === row.bucket.getTime() && last.type === row.type && last.channel === row.channel) {
      last.created += row.created
      last.sent += row.sent
      last.failed += row.failed
      last.read += row.read
      last.unsubscribed += row.unsubscribed
      last.delivery_ms = addHistograms(last.delivery_ms, row.delivery_ms)
      last.read_ms = addHistograms(last.read_ms, row.read_ms)
    } else {
      merged.push(row)
      last = row
    }
  }
  return merged
}

/** Element-wise sum, like the database's stats_histogram_add. */
export function addHistograms(a: number[] | null, b: number[] | null): number[] | null {
  if (!a) return b
  if (!b) return a
  const [longer, shorter] = a.length >= b.length ? [a, b] : [b, a]
  const sum = [...longer]
  for (let i = 0; i < shorter.length; i++) sum[i]! += shorter[i]!
  return sum
}

export interface FoldResult {
  /** Delta rows taken and added. */
  deltas: number
  /** Rollup rows written (inserted or added to). */
  buckets: number
}

/**
 * Adds a batch of deltas to the rollups and deletes them, in one statement: both happen or
 * neither. Replicas folding at once take disjoint batches (SKIP LOCKED); a delta locked by
 * another fold is left to it, and one it already deleted is gone from any later DELETE, so
 * no delta is counted twice. Buckets are upserted in key order, so two folds cannot deadlock.
 */
export async function foldStatsDeltaBatch(db: Kysely<Database>, batchSize: number): Promise<FoldResult> {
  const { rows } = await sql<FoldResult>`
    WITH taken AS (
      DELETE FROM stats_deltas d USING (
        SELECT id FROM stats_deltas ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
      ) batch WHERE d.id = batch.id
      RETURNING d.granularity, d.bucket, d.type, d.channel, d.created, d.sent, d.failed, d.read, d.unsubscribed, d.delivery_ms, d.read_ms
    ), added AS (
      INSERT INTO stats_buckets AS s (granularity, bucket, type, channel, created, sent, failed, read, unsubscribed, delivery_ms, read_ms)
      SELECT granularity, bucket, type, channel, sum(created), sum(sent), sum(failed), sum(read), sum(unsubscribed),
             stats_histogram_sum(delivery_ms), stats_histogram_sum(read_ms)
      FROM taken GROUP BY granularity, bucket, type, channel
      ORDER BY granularity, bucket, type, channel
      ON CONFLICT (granularity, bucket, type, channel) DO UPDATE SET
        created = s.created + excluded.created,
        sent = s.sent + excluded.sent,
        failed = s.failed + excluded.failed,
        read = s.read + excluded.read,
        unsubscribed = s.unsubscribed + excluded.unsubscribed,
        delivery_ms = stats_histogram_add(s.delivery_ms, excluded.delivery_ms),
        read_ms = stats_histogram_add(s.read_ms, excluded.read_ms)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM taken)::int AS deltas, (SELECT count(*) FROM added)::int AS buckets`.execute(db)
  return rows[0] ?? { deltas: 0, buckets: 0 }
}

/** Folds batch after batch until one comes back short (or `signal` aborts): what was pending when it started, and more. */
export async function foldStatsDeltas(db: Kysely<Database>, batchSize = 50_000, signal?: AbortSignal): Promise<FoldResult> {
  const total: FoldResult = { deltas: 0, buckets: 0 }
  for (;;) {
    signal?.throwIfAborted()
    const batch = await foldStatsDeltaBatch(db, batchSize)
    total.deltas += batch.deltas
    total.buckets += batch.buckets
    if (batch.deltas < batchSize) return total
  }
}
