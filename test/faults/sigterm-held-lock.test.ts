import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { foldStatsDeltas } from '../../src/stats/stats-store.js'
import { publishEvents, waitFor } from '../helpers/app.js'
import { bookingCreated } from '../helpers/events.js'
import { startService, waitForOutput } from '../helpers/service-process.js'
import { serviceRig } from './service-rig.js'

/**
 * A background job's statement that does not end (here a statistics fold waiting on a row
 * another session holds; on CI a retention run slowed by a loaded machine) used to keep
 * shutdown waiting until close-with-grace killed the process after 10 s: not a clean exit.
 */
t.test('SIGTERM while a fold waits on a held row: a clean exit, and the fold\'s deltas are all still there', async (t) => {
  const { db, env, exchange } = await serviceRig(t)
  const service = startService({ ...env, STATS_FOLD_MS: '50' })
  t.teardown(() => service.child.kill('SIGKILL'))
  await waitForOutput(service, /consuming events from the broker/, 60_000)

  const pendingDeltas = async () => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM stats_deltas`.execute(db)).rows[0]!.n)
  await publishEvents(exchange, [bookingCreated({ admins: [] })])
  await waitFor(async () => (await db.selectFrom('notifications').select('id').execute()).length === 1, { what: 'the first event', timeout: 60_000 })
  await waitFor(async () => (await pendingDeltas()) === 0, { what: 'its facts folded into the rollups', timeout: 60_000 })

  const locker = new pg.Client({ connectionString: env.DATABASE_URL })
  await locker.connect()
  t.teardown(() => locker.end())
  await locker.query('BEGIN')
  await locker.query('SELECT 1 FROM stats_buckets FOR UPDATE')
  const { rows: lockerRows } = await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  await publishEvents(exchange, [bookingCreated({ admins: [] })])
  // Outside any transaction: within one, pg_stat_activity is a snapshot of its first read.
  await waitFor(
    async () => (await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE ${lockerRows[0]!.pid}::int = ANY(pg_blocking_pids(pid)) AND query LIKE '%DELETE FROM stats_deltas%'`.execute(db)).rows[0],
    { what: 'a fold waiting on the held rows', timeout: 60_000 },
  )

  service.child.kill('SIGTERM')
  const code = await service.exited
  // close-with-grace kills a shutdown that outlasts its 10 s with exit code 1: 0 says it finished in time.
  t.equal(code, 0, 'a clean exit', code === 0 ? {} : { output: service.output().slice(-4000) })
  t.match(service.output(), /stats: fold stopped for shutdown/, 'the fold was stopped, not waited for')
  t.ok((await pendingDeltas()) > 0, 'the stopped fold took nothing away: its deltas are pending')

  await locker.query('ROLLBACK')
  await foldStatsDeltas(db)
  // Every notification and delivery created is counted once in the rollups, nothing lost or doubled.
  const created = (await sql<{ channel: string; n: number }>`SELECT channel, sum(created)::int AS n FROM stats_buckets WHERE granularity = 'hour' GROUP BY channel ORDER BY channel`.execute(db)).rows
  const notifications = (await db.selectFrom('notifications').select('id').execute()).length
  const deliveries = (await sql<{ channel: string; n: number }>`SELECT channel, count(*)::int AS n FROM deliveries GROUP BY channel`.execute(db)).rows
  const expected = [{ channel: 'in_app', n: notifications }, ...deliveries].sort((a, b) => a.channel.localeCompare(b.channel))
  t.equal(notifications, 2, 'both events recorded')
  t.same(created, expected, 'the rollups count every notification and delivery once')
})
