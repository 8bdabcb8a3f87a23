/**
 * Statistics: GET /v1/admin/stats over a month of 10 million notifications and their email
 * deliveries, answered from the rollups, against the same figures computed by scanning the
 * raw tables (the baseline). Also what the rollup triggers cost a bulk insert.
 * The rows go in with the statistics triggers on, as in production, in chunks written by
 * several connections at once (the triggers append deltas, so writers never wait on each
 * other); the deltas are then folded into the rollups, as the service's fold would.
 * usage: npm run bench:stats [-- --notifications 10000000 --requests 100 --writers 4]
 * The seed takes a quarter of an hour at 10 million; `--keep` leaves the database in place (its
 * name is printed) and `--database <name>` measures the answers again on it without seeding,
 * so two versions of the service can be compared on the same rows.
 */
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { foldStatsDeltas } from '../src/stats/stats-store.js'
import { JWT_SECRET, percentile, report } from './lib.js'
import { createScratchDatabase, existingScratchDatabase } from './scratch-database.js'

const { values } = parseArgs({ options: { notifications: { type: 'string', default: '10000000' }, requests: { type: 'string', default: '100' }, chunk: { type: 'string', default: '50000' }, writers: { type: 'string', default: String(Math.min(4, availableParallelism())) }, keep: { type: 'boolean', default: false }, database: { type: 'string' } } })
const total = Number(values.notifications)
const requests = Number(values.requests)
const CHUNK = Number(values.chunk)
const WRITERS = Number(values.writers)
const MONTH_START = '2026-10-01T00:00:00Z'
const MONTH_MS = 30 * 86_400_000
const TYPES = `ARRAY['booking_confirmed','booking_cancelled','hall_booking_created','hall_booking_cancelled','welcome']`

const scratch = values.database ? existingScratchDatabase('stats', values.database) : await createScratchDatabase('stats')
const seeding = !values.database
const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET, DATABASE_URL: scratch.url, DATA_DIR: '/tmp/bookit-bench-stats', LOG_LEVEL: 'warn' })
const app = await buildApp({ ...config, databaseUrl: scratch.url }, { startWorkers: false, databasePoolSize: WRITERS + 2, logger: { level: 'warn' } })
await app.ready()
const db = app.db

/**
 * Rows [lo, hi) spread evenly over the month: 40% read after e^U(0,12) s (a second to a couple
 * of days), one email each: 95% sent after 0.2 s + e^U(0,8) ms, 3% failed, 2% pending.
 */
async function insertChunk(lo: number, hi: number, spread: number): Promise<void> {
  const step = `(${MONTH_MS / spread} * interval '1 ms')`
  await sql
    .raw(
      `INSERT INTO notifications (user_id, type, title, body, data, created_at, read_at, event_source, event_id)
       SELECT 'u-' || (abs(g) % 100000), (${TYPES})[1 + abs(g) % 5], 'Booking confirmed', 'Your booking is confirmed', '{}',
              '${MONTH_START}'::timestamptz + g * ${step},
              CASE WHEN abs(g) % 10 < 4 THEN '${MONTH_START}'::timestamptz + g * ${step} + exp(random() * 12) * interval '1 second' END,
              '/bench', 'e-' || g
       FROM generate_series(${lo}, ${hi - 1}) g`,
    )
    .execute(db)
  await sql
    .raw(
      `INSERT INTO deliveries (channel, user_id, destination, notification_type, template, locale, payload, status, created_at, updated_at, sent_at, event_source, event_id)
       SELECT 'email', 'u-' || (abs(g) % 100000), 'u' || (abs(g) % 100000) || '@example.com', (${TYPES})[1 + abs(g) % 5], 'booking-confirmed', 'en', '{}',
              s, c, CASE WHEN s <> 'pending' THEN c + d ELSE c END, CASE WHEN s = 'sent' THEN c + d END, '/bench', 'e-' || g
       FROM generate_series(${lo}, ${hi - 1}) g,
            LATERAL (SELECT '${MONTH_START}'::timestamptz + g * ${step} AS c,
                            (200 + exp(random() * 8)) * interval '1 ms' AS d,
                            CASE WHEN abs(g) % 100 < 95 THEN 'sent' WHEN abs(g) % 100 < 98 THEN 'failed' ELSE 'pending' END AS s) x`,
    )
    .execute(db)
}

// What the rollup triggers cost a bulk insert: the same 200,000 rows (and emails) with and
// without them, in a month of their own so the figures below are not touched.
const TRIGGERS = ['notifications', 'deliveries']
const setTriggers = async (enabled: boolean) => {
  for (const table of TRIGGERS) for (const when of ['inserted', 'updated']) await sql.raw(`ALTER TABLE ${table} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER stats_${table}_${when}`).execute(db)
}
const OVERHEAD_ROWS = 200_000
async function timedOverheadInsert(withTriggers: boolean): Promise<number> {
  await setTriggers(withTriggers)
  const started = performance.now()
  await insertChunk(-OVERHEAD_ROWS * 10, -OVERHEAD_ROWS * 9, total)
  const ms = performance.now() - started
  await sql`DELETE FROM deliveries WHERE created_at < ${MONTH_START}::timestamptz`.execute(db)
  await sql`DELETE FROM notifications WHERE created_at < ${MONTH_START}::timestamptz`.execute(db)
  // Their statistics too: the rollups below hold the month only.
  await sql`DELETE FROM stats_deltas WHERE bucket < ${MONTH_START}::timestamptz`.execute(db)
  await setTriggers(true)
  return ms
}
const without = seeding ? await timedOverheadInsert(false) : Number.NaN
const withRollups = seeding ? await timedOverheadInsert(true) : Number.NaN

const insertStarted = performance.now()
let nextChunk = 0
let inserted = 0
async function writer(): Promise<void> {
  for (let lo = nextChunk; lo < total; lo = nextChunk) {
    nextChunk += CHUNK
    const hi = Math.min(total, lo + CHUNK)
    await insertChunk(lo, hi, total)
    inserted += hi - lo
    process.stdout.write(`\rinserted ${inserted.toLocaleString('en')} notifications and emails`)
  }
}
if (seeding) await Promise.all(Array.from({ length: WRITERS }, writer))
const insertSeconds = (performance.now() - insertStarted) / 1000
if (seeding) process.stdout.write('\n')
const { rows: pendingRows } = await sql<{ n: string }>`SELECT count(*) AS n FROM stats_deltas`.execute(db)
const foldStarted = performance.now()
const folded = await foldStatsDeltas(db)
const foldMs = performance.now() - foldStarted
if (seeding) await sql`VACUUM ANALYZE`.execute(db)
const { rows: seeded } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM notifications WHERE created_at >= ${MONTH_START}::timestamptz`.execute(db)

const headers = { authorization: `Bearer ${app.jwt.sign({ sub: 'bench', roles: ['notifications:admin'] } as never, { expiresIn: 3600 })}` }
const monthEnd = new Date(Date.parse(MONTH_START) + MONTH_MS).toISOString()
async function timeQueries(query: string, n: number): Promise<{ p50: number; p99: number; buckets: number; bytes: number }> {
  const times: number[] = []
  let buckets = 0
  let bytes = 0
  for (let i = 0; i < n; i++) {
    const started = performance.now()
    const response = await app.inject({ url: `/v1/admin/stats?${query}`, headers })
    times.push(performance.now() - started)
    if (response.statusCode !== 200) throw new Error(`${query}: ${response.statusCode} ${response.body}`)
    buckets = (response.json() as { buckets: unknown[] }).buckets.length
    bytes = response.body.length
  }
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 50), p99: percentile(times, 99), buckets, bytes }
}

/** The same day-by-day answer from the raw tables: counts and exact percentiles, three scans. */
async function scanBaseline(): Promise<number> {
  const started = performance.now()
  await sql`SELECT date_trunc('day', created_at, 'UTC') AS day, type, count(*) FROM notifications WHERE created_at >= ${MONTH_START}::timestamptz AND created_at < ${monthEnd}::timestamptz GROUP BY 1, 2`.execute(db)
  await sql`SELECT date_trunc('day', read_at, 'UTC') AS day, type, count(*),
              percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY read_at - created_at)
            FROM notifications WHERE read_at >= ${MONTH_START}::timestamptz AND read_at < ${monthEnd}::timestamptz GROUP BY 1, 2`.execute(db)
  await sql`SELECT date_trunc('day', created_at, 'UTC') AS day, notification_type, channel, count(*),
              count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'),
              percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY sent_at - created_at) FILTER (WHERE status = 'sent')
            FROM deliveries WHERE created_at >= ${MONTH_START}::timestamptz AND created_at < ${monthEnd}::timestamptz GROUP BY 1, 2, 3`.execute(db)
  return performance.now() - started
}

// Warm both sides once, then measure.
await timeQueries(`from=${MONTH_START}&to=${monthEnd}&interval=day`, 3)
const byDay = await timeQueries(`from=${MONTH_START}&to=${monthEnd}&interval=day`, requests)
const byHourMonth = await timeQueries(`from=${MONTH_START}&to=${monthEnd}&interval=hour`, Math.max(10, Math.round(requests / 4)))
const byHourDay = await timeQueries(`from=2026-10-15T00:00:00Z&to=2026-10-16T00:00:00Z&interval=hour`, requests)
const byHourWeekEmail = await timeQueries(`from=2026-10-08T00:00:00Z&to=2026-10-15T00:00:00Z&interval=hour&channel=email`, requests)
await scanBaseline()
const scans: number[] = []
for (let i = 0; i < 3; i++) scans.push(await scanBaseline())
scans.sort((a, b) => a - b)
const scan = scans[1]!
const { rows: sizes } = await sql<{ rows: string; size: string }>`SELECT count(*)::text AS rows, pg_size_pretty(pg_total_relation_size('stats_buckets')) AS size FROM stats_buckets`.execute(db)

await app.close()
if (values.keep) console.log(`kept the database: --database ${scratch.name}`)
else await scratch.drop()
await report(
  'stats',
  [
    ...(seeding
      ? [
          { figure: `insert ${total.toLocaleString('en')} notifications + emails (generate_series, rollups on, ${WRITERS} writers)`, value: insertSeconds, unit: 's' },
          { figure: `fold ${Number(pendingRows[0]?.n).toLocaleString('en')} deltas into ${folded.buckets.toLocaleString('en')} rollup rows`, value: foldMs, unit: 'ms' },
          { figure: `bulk insert of ${OVERHEAD_ROWS.toLocaleString('en')} + emails, rollup triggers on (baseline: off)`, value: withRollups, unit: 'ms', baseline: without },
        ]
      : []),
    { figure: 'stats, a month by day: p50', value: byDay.p50, unit: 'ms', baseline: scan, target: '≤ 100 ms', met: byDay.p50 <= 100 },
    { figure: 'stats, a month by day: p99', value: byDay.p99, unit: 'ms', baseline: scan, target: '≤ 100 ms', met: byDay.p99 <= 100 },
    { figure: 'stats, a day by hour: p50', value: byHourDay.p50, unit: 'ms' },
    { figure: 'stats, a day by hour: p99', value: byHourDay.p99, unit: 'ms', target: '≤ 100 ms', met: byHourDay.p99 <= 100 },
    { figure: 'stats, a week by hour, email only: p99', value: byHourWeekEmail.p99, unit: 'ms', target: '≤ 100 ms', met: byHourWeekEmail.p99 <= 100 },
    { figure: 'stats, a month by hour: p50', value: byHourMonth.p50, unit: 'ms' },
    { figure: 'stats, a month by hour: p99', value: byHourMonth.p99, unit: 'ms', target: '≤ 100 ms', met: byHourMonth.p99 <= 100 },
  ],
  [
    `${Number(seeded[0]?.n).toLocaleString('en')} notifications over 30 days${seeding ? '' : ' (seeded by an earlier run, kept)'} (5 types, 40% read) and one email each (95% sent, 3% failed), inserted ${CHUNK.toLocaleString('en')} per statement by ${WRITERS} connections at once. Baseline for the queries: the same day-by-day figures (counts, exact p50/p90) by scanning notifications and deliveries, median of 3 after a warm-up: ${scans.map(Math.round).join(', ')} ms.`,
    `Answers: a month by day ${byDay.buckets} entries (${Math.round(byDay.bytes / 1024)} kB), a day by hour ${byHourDay.buckets}, a week by hour for email ${byHourWeekEmail.buckets}, a month by hour ${byHourMonth.buckets} (${Math.round(byHourMonth.bytes / 1024)} kB). stats_buckets: ${sizes[0]?.rows} rows, ${sizes[0]?.size}. p50/p99 over ${requests} requests (a month by hour: ${Math.max(10, Math.round(requests / 4))}), through app.inject (routing, auth, validation, serialization; no socket).`,
  ],
)
