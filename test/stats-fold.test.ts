import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import pg from 'pg'
import t, { type Test } from 'tap'
import { durationBin, quantileMs } from '../src/domain/duration-bins.js'
import { pino } from 'pino'
import { createMetrics } from '../src/metrics.js'
import { StatsFolder } from '../src/stats/stats-folder.js'
import { foldStatsDeltaBatch, foldStatsDeltas } from '../src/stats/stats-store.js'
import { LogCapture, auth, build, createTestDatabase, waitFor } from './helpers/app.js'

/**
 * The statistics triggers append deltas; folds add them to the rollups. Whatever replicas fold
 * and whenever a fold dies, every fact written is counted exactly once, and an answer read
 * at any moment holds every committed fact.
 */

const TYPES = ['booking_confirmed', 'booking_cancelled', 'welcome']
const HOUR = '2026-05-04T10:00:00.000Z'
const DAY = '2026-05-04T00:00:00.000Z'
const at = (plusMs: number) => new Date(Date.parse(HOUR) + plusMs)

/** What was written, per type and channel: counts and the exact delivery histogram. */
class Written {
  readonly counts = new Map<string, { created: number; sent: number; read: number; delivery: number[] }>()
  of(type: string, channel: string) {
    const key = `${type}/${channel}`
    let entry = this.counts.get(key)
    if (!entry) this.counts.set(key, (entry = { created: 0, sent: 0, read: 0, delivery: [] }))
    return entry
  }
}

let serial = 0
/** One statement of `n` notifications, one of `n` email deliveries, then some sent and some read in one statement each. */
async function writeSome(app: FastifyInstance, written: Written, n: number, type = TYPES[serial % TYPES.length]!): Promise<void> {
  const ids = Array.from({ length: n }, () => ++serial)
  const notes = await app.db
    .insertInto('notifications')
    .values(ids.map((i) => ({ user_id: `u-${i}`, type, title: 't', body: 'b', data: '{}', created_at: at(i * 7), event_source: 'fold-test', event_id: `n-${i}` })))
    .returning(['id', 'created_at'])
    .execute()
  const planned = await app.db
    .insertInto('deliveries')
    .values(ids.map((i) => ({ channel: 'email' as const, user_id: `u-${i}`, destination: `u${i}@example.com`, notification_type: type, template: 't', locale: 'en', payload: '{}', created_at: at(i * 7), event_source: 'fold-test', event_id: `d-${i}` })))
    .returning(['id', 'created_at'])
    .execute()
  written.of(type, 'in_app').created += n
  written.of(type, 'email').created += n
  // Every other one is sent after a known time; its bin is what the histogram must hold.
  const sent = planned.flatMap((p, j) => (j % 2 === 0 ? [{ id: p.id, afterMs: 30 + 97 * (ids[j]! % 50), sentAt: new Date(p.created_at.getTime() + 30 + 97 * (ids[j]! % 50)) }] : []))
  if (sent.length > 0) {
    await sql`UPDATE deliveries d SET status = 'sent', sent_at = s.sent_at::timestamptz, updated_at = s.sent_at::timestamptz
      FROM json_to_recordset(${JSON.stringify(sent.map((s) => ({ id: s.id, sent_at: s.sentAt.toISOString() })))}::json) AS s(id uuid, sent_at text) WHERE d.id = s.id`.execute(app.db)
    const email = written.of(type, 'email')
    email.sent += sent.length
    for (const s of sent) {
      const bin = durationBin(s.afterMs)
      while (email.delivery.length <= bin) email.delivery.push(0)
      email.delivery[bin]!++
    }
  }
  const read = notes.slice(0, Math.ceil(n / 3)).map((x) => x.id)
  await app.db.updateTable('notifications').set({ read_at: at(3_000_000) }).where('id', 'in', read).execute()
  written.of(type, 'in_app').read += read.length
}

type Row = { granularity: string; bucket: Date; type: string; channel: string; created: string; sent: string; read: string; delivery_ms: number[] | null }
const bucketRows = async (app: FastifyInstance) =>
  (await sql<Row>`SELECT granularity, bucket, type, channel, created, sent, read, delivery_ms FROM stats_buckets ORDER BY granularity, type, channel`.execute(app.db)).rows
const pendingDeltas = async (app: FastifyInstance) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM stats_deltas`.execute(app.db)).rows[0]!.n)

/** The rollups hold exactly what was written, by hour and by day (all of it falls in one hour). */
function checkRollups(t: Test, rows: Row[], written: Written) {
  for (const granularity of ['hour', 'day']) {
    const start = granularity === 'hour' ? HOUR : DAY
    const mine = rows.filter((r) => r.granularity === granularity)
    t.equal(mine.length, written.counts.size, `${granularity}: one row per type and channel`)
    for (const [key, expected] of written.counts) {
      const [type, channel] = key.split('/')
      const row = mine.find((r) => r.type === type && r.channel === channel)
      t.ok(row && row.bucket.toISOString() === start, `${granularity} ${key} is in its bucket`)
      t.same({ created: Number(row?.created), sent: Number(row?.sent), read: Number(row?.read) }, { created: expected.created, sent: expected.sent, read: expected.read }, `${granularity} ${key}: counters`)
      t.same(row?.delivery_ms ?? [], expected.delivery, `${granularity} ${key}: the delivery histogram, bin by bin`)
    }
  }
}

type Bucket = { start: string; type: string; channel: string; created: number; sent: number; read: number }
async function answer(app: FastifyInstance, interval = 'hour'): Promise<Bucket[]> {
  const response = await app.inject({ url: `/v1/admin/stats?from=${HOUR}&to=2026-05-04T11:00:00Z&interval=${interval}`, headers: auth(app, 'ops', ['notifications:admin']) })
  if (response.statusCode !== 200) throw new Error(`${response.statusCode} ${response.body}`)
  return (response.json() as { buckets: Bucket[] }).buckets
}
const counted = (buckets: Bucket[]) => Object.fromEntries(buckets.map((b) => [`${b.type}/${b.channel === 'inApp' ? 'in_app' : b.channel}`, { created: b.created, sent: b.sent, read: b.read }]))
const expectedCounts = (written: Written) => Object.fromEntries([...written.counts].map(([key, c]) => [key, { created: c.created, sent: c.sent, read: c.read }]))

t.test('two apps folding at once while facts arrive: the rollups hold exactly what was written', async (t) => {
  const url = await createTestDatabase(t)
  // Both fold on their own timers too, every 15 ms.
  const { app: one } = await build(t, { DATABASE_URL: url, STATS_FOLD_MS: '15' }, { sendEmails: false })
  const { app: two } = await build(t, { DATABASE_URL: url, STATS_FOLD_MS: '15' }, { sendEmails: false })
  const written = new Written()
  let writing = true
  let folded = 0
  // Small batches make the two replicas' folds meet on the same deltas and buckets often.
  const folder = async (app: FastifyInstance) => {
    while (writing) folded += (await foldStatsDeltaBatch(app.db, 3)).deltas
  }
  const writer = async (app: FastifyInstance) => {
    for (let i = 0; i < 25; i++) await writeSome(app, written, 1 + (i % 6))
  }
  const folders = [folder(one), folder(two), folder(one)]
  await Promise.all([writer(one), writer(two), writer(one)])
  // Every answer read while folding went on must already hold everything written so far.
  t.same(counted(await answer(two)), expectedCounts(written), 'an answer during the folds holds every fact')
  writing = false
  await Promise.all(folders)
  t.ok(folded > 0, `the explicit folds took ${folded} deltas (the rest went to the timers)`)
  await foldStatsDeltas(one.db)
  t.equal(await pendingDeltas(one), 0, 'nothing left pending')
  checkRollups(t, await bucketRows(one), written)
  t.same(counted(await answer(one)), expectedCounts(written), 'the answer by hour')
  t.same(counted(await answer(two, 'day')), expectedCounts(written), 'the answer by day')
})

t.test('a fold killed midway loses and doubles nothing; the failure is logged and counted', async (t) => {
  const url = await createTestDatabase(t)
  const { app, logs } = await build(t, { DATABASE_URL: url, STATS_FOLD_MS: '20' }, { sendEmails: false })
  const written = new Written()
  await writeSome(app, written, 4, TYPES[0])
  await waitFor(async () => (await pendingDeltas(app)) === 0, { what: 'the first fold' })
  const failedFolds = async () => (await app.metrics.statsFolds.get()).values.find((v) => v.labels.outcome === 'failed')?.value ?? 0

  // Another session holds a rollup row, so the next fold deletes its deltas, then waits on
  // that row in the middle of its statement: it is killed there.
  const locker = new pg.Client({ connectionString: url })
  await locker.connect()
  t.teardown(() => locker.end())
  await locker.query('BEGIN')
  await locker.query(`SELECT 1 FROM stats_buckets WHERE granularity = 'hour' AND bucket = $1 AND channel = 'email' FOR UPDATE`, [HOUR])
  await writeSome(app, written, 3, TYPES[0])
  await writeSome(app, written, 5, TYPES[0])
  const pending = await pendingDeltas(app)
  t.ok(pending > 0, `${pending} deltas pending`)
  const before = await bucketRows(app)
  const { rows: lockerRows } = await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  // Asked on a connection outside any transaction: within one, PostgreSQL answers
  // pg_stat_activity from a snapshot taken at its first read, so polling on the locker (in
  // its transaction) never saw a fold that began waiting after the first poll. The timer
  // folds every 20 ms, so its fold must come to wait on the held row, however late.
  const pid = await waitFor(
    async () =>
      (
        await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE ${lockerRows[0]!.pid}::int = ANY(pg_blocking_pids(pid)) AND query LIKE '%DELETE FROM stats_deltas%'`.execute(app.db)
      ).rows[0]?.pid,
    { what: 'a fold waiting on the held row', timeout: 60_000 },
  )
  const { rows: killed } = await locker.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid])
  t.equal(killed[0]?.ok, true, 'the folding session was terminated')
  await waitFor(async () => (await failedFolds()) >= 1, { what: 'the failed fold to be counted' })
  t.match(logs.text, /stats: folding the deltas into the rollups failed/, 'logged')
  t.equal(await pendingDeltas(app), pending, 'its deltas are all still pending')
  t.same(await bucketRows(app), before, 'and the rollups are as they were')
  t.same(counted(await answer(app)), expectedCounts(written), 'an answer meanwhile holds everything once')

  await locker.query('ROLLBACK')
  await waitFor(async () => (await pendingDeltas(app)) === 0, { what: 'the next fold' })
  checkRollups(t, await bucketRows(app), written)
  t.same(counted(await answer(app)), expectedCounts(written), 'the answer after the next fold')
})

t.test('an answer right after a write holds it, even while another session holds a fold open', async (t) => {
  const url = await createTestDatabase(t)
  // No timer fold during this test: only the one held open below.
  const { app } = await build(t, { DATABASE_URL: url, STATS_FOLD_MS: '3600000' }, { sendEmails: false })
  const written = new Written()
  await writeSome(app, written, 2)
  t.same(counted(await answer(app)), expectedCounts(written), 'unfolded deltas are in the answer')
  await foldStatsDeltas(app.db)
  await writeSome(app, written, 3)
  t.same(counted(await answer(app)), expectedCounts(written), 'folded buckets and new deltas add up')

  await app.db.transaction().execute(async (trx) => {
    const taken = await foldStatsDeltaBatch(trx, 1_000)
    t.ok(taken.deltas > 0, 'a fold has taken the deltas and not committed')
    t.same(counted(await answer(app)), expectedCounts(written), 'an answer meanwhile counts them once (as deltas)')
  })
  t.equal(await pendingDeltas(app), 0)
  t.same(counted(await answer(app)), expectedCounts(written), 'and once after the fold committed (as buckets)')
  checkRollups(t, await bucketRows(app), written)
})

t.test('stopping a fold that waits on a held row: stop() returns at once, the fold rolls back, nothing is counted as failed', async (t) => {
  const url = await createTestDatabase(t)
  // The app's own folder stays out of the way: the one under test is started below.
  const { app } = await build(t, { DATABASE_URL: url, STATS_FOLD_MS: '3600000' }, { sendEmails: false })
  const written = new Written()
  await writeSome(app, written, 4, TYPES[0])
  await foldStatsDeltas(app.db)
  const locker = new pg.Client({ connectionString: url })
  await locker.connect()
  t.teardown(() => locker.end())
  await locker.query('BEGIN')
  await locker.query(`SELECT 1 FROM stats_buckets WHERE granularity = 'hour' AND bucket = $1 AND channel = 'email' FOR UPDATE`, [HOUR])
  const { rows: lockerRows } = await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  await writeSome(app, written, 3, TYPES[0])
  const pending = await pendingDeltas(app)
  const before = await bucketRows(app)

  const metrics = createMetrics()
  const logs = new LogCapture()
  const folder = new StatsFolder({ db: app.db, intervalMs: 20, metrics, log: pino({ level: 'info' }, logs) as never })
  folder.start()
  t.teardown(() => folder.stop())
  await waitFor(
    async () => (await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE ${lockerRows[0]!.pid}::int = ANY(pg_blocking_pids(pid)) AND query LIKE '%DELETE FROM stats_deltas%'`.execute(app.db)).rows[0],
    { what: 'a fold waiting on the held row', timeout: 60_000 },
  )
  // Before, stop() waited as long as the row was held: the guard only turns that into a failure.
  let guard: NodeJS.Timeout | undefined
  const stopped = await Promise.race([folder.stop().then(() => 'stopped'), new Promise((resolve) => (guard = setTimeout(() => resolve('still waiting for the row'), 60_000)))])
  clearTimeout(guard)
  t.equal(stopped, 'stopped', 'stop() returned while the row is still held')
  t.equal(await pendingDeltas(app), pending, 'the stopped fold took nothing: its deltas are all still pending')
  t.same(await bucketRows(app), before, 'and the rollups are as they were')
  const failed = (await metrics.statsFolds.get()).values.find((v) => v.labels.outcome === 'failed')?.value ?? 0
  t.equal(failed, 0, 'not counted as a failed fold')
  t.match(logs.text, /stats: fold stopped for shutdown/, 'logged as stopped')

  await locker.query('ROLLBACK')
  await foldStatsDeltas(app.db)
  checkRollups(t, await bucketRows(app), written)
})

t.test('medians and p90s are the same from folded rows, from pending deltas and from both', async (t) => {
  const url = await createTestDatabase(t)
  // No timer fold: the test folds when it wants a state.
  const { app } = await build(t, { DATABASE_URL: url, STATS_FOLD_MS: '3600000' }, { sendEmails: false })
  const histograms = new Map<string, { delivery: number[]; read: number[] }>()
  const count = (hist: number[], ms: number) => {
    const bin = durationBin(ms)
    while (hist.length <= bin) hist.push(0)
    hist[bin]!++
  }
  let n = 0
  /** Emails stored as sent and notifications stored as read, after the given times (ms). */
  const write = async (type: string, deliveryMs: number[], readMs: number[]) => {
    const entry = histograms.get(type) ?? { delivery: [], read: [] }
    histograms.set(type, entry)
    const created = at(60_000)
    if (deliveryMs.length > 0) {
      await app.db
        .insertInto('deliveries')
        .values(deliveryMs.map((ms) => ({ channel: 'email' as const, user_id: 'u-q', destination: 'q@example.com', notification_type: type, template: 't', locale: 'en', payload: '{}', status: 'sent' as const, created_at: created, sent_at: new Date(created.getTime() + ms), event_source: 'quantile-test', event_id: `d-${++n}` })))
        .execute()
    }
    if (readMs.length > 0) {
      await app.db
        .insertInto('notifications')
        .values(readMs.map((ms) => ({ user_id: 'u-q', type, title: 't', body: 'b', data: '{}', created_at: created, read_at: new Date(created.getTime() + ms), event_source: 'quantile-test', event_id: `n-${++n}` })))
        .execute()
    }
    for (const ms of deliveryMs) count(entry.delivery, ms)
    for (const ms of readMs) count(entry.read, ms)
  }
  type Timed = Bucket & { medianToDeliveryMs: number | null; p90ToDeliveryMs: number | null; medianToReadMs: number | null; p90ToReadMs: number | null }
  /** Each type's times as the answer gives them, and as the summed histograms say they must be. */
  const check = async (state: string) => {
    const buckets = (await answer(app)) as Timed[]
    for (const [type, { delivery, read }] of histograms) {
      const email = buckets.find((b) => b.type === type && b.channel === 'email')
      const inApp = buckets.find((b) => b.type === type && b.channel === 'inApp')
      t.same(
        { median: email?.medianToDeliveryMs ?? null, p90: email?.p90ToDeliveryMs ?? null },
        { median: quantileMs(delivery.length ? delivery : null, 0.5), p90: quantileMs(delivery.length ? delivery : null, 0.9) },
        `${state}: ${type} to delivery`,
      )
      t.same(
        { median: inApp?.medianToReadMs ?? null, p90: inApp?.p90ToReadMs ?? null },
        { median: quantileMs(read.length ? read : null, 0.5), p90: quantileMs(read.length ? read : null, 0.9) },
        `${state}: ${type} to read`,
      )
    }
  }

  // Slow ones first: a median or p90 that ignored the later, faster ones would stay high.
  await write('booking_confirmed', [9_000, 9_500, 12_000], [3_000_000, 3_100_000])
  await check('all pending')
  await foldStatsDeltas(app.db)
  t.equal(await pendingDeltas(app), 0)
  await check('all folded')
  await write('booking_confirmed', [40, 45, 50, 55, 60, 70], [2_000, 2_100, 2_200])
  await write('welcome', [], [15_000, 16_000, 90_000])
  await check('folded rows with deltas on top, and a bucket only pending')
  await write('booking_confirmed', [30, 35], [])
  await check('two deltas on one folded row')
  await foldStatsDeltas(app.db)
  await check('all folded again')
})
