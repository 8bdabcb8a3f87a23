import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.js'

export type StatsInterval = 'hour' | 'day'

export interface StatsBucketRow {
  /** The bucket's start, in ms since the epoch. */
  bucket: number
  type: string
  channel: string
  created: number
  sent: number
  failed: number
  read: number
  unsubscribed: number
  /** Duration bins (domain/duration-bins.ts) of the medians and p90s; null when nothing was timed. */
  delivery_median_bin: number | null
  delivery_p90_bin: number | null
  read_median_bin: number | null
  read_p90_bin: number | null
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

/** The rows of one granularity in a range, of stats_buckets (its primary key's range) or stats_deltas. */
function inRange(filter: StatsFilter) {
  return sql.join(
    [
      sql`granularity = ${filter.interval}`,
      sql`bucket >= ${filter.from}`,
      sql`bucket < ${filter.to}`,
      ...(filter.type === undefined ? [] : [sql`type = ${filter.type}`]),
      ...(filter.channel === undefined ? [] : [sql`channel = ${filter.channel}`]),
    ],
    sql` AND `,
  )
}

/** A counter of the rollup plus its pending deltas. */
const summed = (column: string) => sql.raw(`coalesce(f.${column}, 0) + coalesce(p.${column}, 0)`)

/**
 * A quantile's bin (empty for none): the stored one while nothing is pending for the row (nearly
 * every row: the fold keeps up), else read from the rollup's histogram plus the pending ones.
 */
const quantileBin = (histogram: 'delivery_ms' | 'read_ms', stored: string, q: number) =>
  sql.raw(`coalesce((CASE WHEN p.${histogram} IS NULL THEN f.${stored} ELSE stats_histogram_quantile_bin(stats_histogram_add(f.${histogram}, p.${histogram}), ${q}) END)::text, '')`)

/**
 * The rollup rows of one granularity in a range, oldest first, with the deltas not folded yet
 * added in. One statement, so one snapshot: a fold commits its DELETE of deltas and its
 * upsert of buckets together, so each committed fact is seen exactly once, whichever replica
 * is folding meanwhile (folding first, then reading, would miss deltas another replica holds).
 *
 * A month by hour is 7,200 rows, and this read was most of that answer's time. Medians and p90s
 * come as the bins the rollup stores (migration stats-quantile-bins), not as histograms to
 * print, parse and walk; the nine figures of a row come as one text, split by parseFigures
 * in a fraction of the time the driver takes for nine columns.
 */
export async function readStatsBuckets(db: Kysely<Database>, filter: StatsFilter): Promise<StatsBucketRow[]> {
  const range = inRange(filter)
  const { rows } = await sql<{ bucket: number; type: string; channel: string; figures: string }>`
    WITH folded AS (
      SELECT bucket, type, channel, created, sent, failed, read, unsubscribed, delivery_ms, read_ms,
             delivery_median_bin, delivery_p90_bin, read_median_bin, read_p90_bin
      FROM stats_buckets WHERE ${range}
    ), pending AS (
      SELECT bucket, type, channel, sum(created) AS created, sum(sent) AS sent, sum(failed) AS failed, sum(read) AS read,
             sum(unsubscribed) AS unsubscribed, stats_histogram_sum(delivery_ms) AS delivery_ms, stats_histogram_sum(read_ms) AS read_ms
      FROM stats_deltas WHERE ${range} GROUP BY bucket, type, channel
    )
    -- date_part is a double, where extract is a numeric (slower to compute and to print).
    SELECT date_part('epoch', bucket) * 1000 AS bucket, type, channel,
           concat_ws(',', ${summed('created')}, ${summed('sent')}, ${summed('failed')}, ${summed('read')}, ${summed('unsubscribed')},
             ${quantileBin('delivery_ms', 'delivery_median_bin', 0.5)}, ${quantileBin('delivery_ms', 'delivery_p90_bin', 0.9)},
             ${quantileBin('read_ms', 'read_median_bin', 0.5)}, ${quantileBin('read_ms', 'read_p90_bin', 0.9)}) AS figures
    FROM folded f FULL JOIN pending p USING (bucket, type, channel)
    ORDER BY bucket, type, channel`.execute(db)
  const buckets: StatsBucketRow[] = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const { bucket, type, channel, figures } = rows[i]!
    const [created, sent, failed, read, unsubscribed, deliveryMedian, deliveryP90, readMedian, readP90] = parseFigures(figures)
    buckets[i] = {
      bucket,
      type,
      channel,
      created: created!,
      sent: sent!,
      failed: failed!,
      read: read!,
      unsubscribed: unsubscribed!,
      delivery_median_bin: deliveryMedian ?? null,
      delivery_p90_bin: deliveryP90 ?? null,
      read_median_bin: readMedian ?? null,
      read_p90_bin: readP90 ?? null,
    }
  }
  return buckets
}

const COMMA = 44
const ZERO = 48

/** "12,3,0,5,0,31,34,," as [12, 3, 0, 5, 0, 31, 34, null, null]: non-negative integers, empty for null. */
export function parseFigures(text: string): (number | null)[] {
  const figures: (number | null)[] = []
  let n: number | null = null
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === COMMA) {
      figures.push(n)
      n = null
    } else {
      n = (n ?? 0) * 10 + (c - ZERO)
    }
  }
  figures.push(n)
  return figures
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
