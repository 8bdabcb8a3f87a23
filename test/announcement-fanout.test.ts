import { sql } from 'kysely'
import t from 'tap'
import { fanOutBatch } from '../src/scheduler/announcement-fanout.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'

// 100,000 recipients from a synthetic directory; three announcements to all of them, each
// interrupted differently. Built before the first subtest (see the common test rules).
const RECIPIENTS = 100_000
const databaseUrl = await createTestDatabase(t)
const env = { DATABASE_URL: databaseUrl, ANNOUNCEMENT_POLL_MS: '50', ANNOUNCEMENT_BATCH_SIZE: '1000' }
const { app: seed } = await build(t, env, { startWorkers: false })
await sql`
  INSERT INTO people (user_id, email, name, locale, facts_time)
  SELECT 'p-' || lpad(i::text, 6, '0'), 'p' || i || '@example.com', 'Person ' || i, 'en', now()
  FROM generate_series(1, ${RECIPIENTS}) AS i`.execute(seed.db)
const db = seed.db

/** A fan-out instance; it emails nothing (deliveries stay queued), so only the fan-out runs. */
const instance = async (tt: { teardown(fn: () => unknown): void }) => (await build(tt, env, { sendEmails: false, consume: false })).app

async function announce(app: Awaited<ReturnType<typeof instance>>, channels: string[]): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/admin/announcements', headers: auth(app, 'ops', ['notifications:admin']), payload: { title: 'To everyone', body: 'Hello', audience: { all: true }, channels } })
  if (res.statusCode !== 202) throw new Error(res.body)
  return res.json().id
}

const row = (id: string) => db.selectFrom('announcements').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

/** What the database holds for one announcement: rows, distinct users, recipient keys, deliveries. */
async function written(id: string) {
  const { rows } = await sql<{ notifications: number; users: number; recipients: number; deliveries: number; delivery_users: number }>`
    SELECT (SELECT count(*)::int FROM notifications WHERE event_source = 'announcement' AND event_id = ${id}) AS notifications,
           (SELECT count(DISTINCT user_id)::int FROM notifications WHERE event_source = 'announcement' AND event_id = ${id}) AS users,
           (SELECT count(*)::int FROM announcement_recipients WHERE announcement_id = ${id}::uuid) AS recipients,
           (SELECT count(*)::int FROM deliveries WHERE event_source = 'announcement' AND event_id = ${id}) AS deliveries,
           (SELECT count(DISTINCT user_id)::int FROM deliveries WHERE event_source = 'announcement' AND event_id = ${id}) AS delivery_users`.execute(db)
  return rows[0]!
}

t.test('restart half-way: the app closes mid-fan-out, a new app on the same database finishes; each recipient exactly once', async (t) => {
  const first = await instance(t)
  const id = await announce(first, ['inApp', 'email'])
  await waitFor(async () => (await row(id)).recipients >= 10_000, { timeout: 120_000, what: 'the fan-out to be under way' })
  await first.close()
  const stopped = await row(id)
  t.equal(stopped.status, 'sending', 'closed half-way')
  t.ok(stopped.recipients < RECIPIENTS, `${stopped.recipients} reached before the restart`)
  t.match(await written(id), { notifications: stopped.recipients, users: stopped.recipients, recipients: stopped.recipients, deliveries: stopped.recipients }, 'the counts are what was written (each batch commits with its counts)')

  await instance(t)
  await waitFor(async () => (await row(id)).status === 'sent', { timeout: 300_000, what: 'the fan-out to finish' })
  t.match(await row(id), { recipients: RECIPIENTS, in_app_count: RECIPIENTS, email_count: RECIPIENTS, push_count: 0 })
  t.match(await written(id), { notifications: RECIPIENTS, users: RECIPIENTS, recipients: RECIPIENTS, deliveries: RECIPIENTS, delivery_users: RECIPIENTS }, 'nobody twice, nobody missed')
})

t.test('cancel half-way: the counts stop where the cancel found them, nobody twice', async (t) => {
  const app = await instance(t)
  const id = await announce(app, ['inApp'])
  await waitFor(async () => (await row(id)).recipients >= 10_000, { timeout: 120_000, what: 'the fan-out to be under way' })
  const res = await app.inject({ method: 'DELETE', url: `/v1/admin/announcements/${id}`, headers: auth(app, 'ops', ['notifications:admin']) })
  t.equal(res.statusCode, 200)
  const cancelled = res.json()
  t.equal(cancelled.status, 'cancelled')
  t.ok(cancelled.recipients < RECIPIENTS, `cancelled after ${cancelled.recipients}`)
  // The loop keeps looking: nothing is due any more, and nothing more is written.
  t.equal(await fanOutBatch({ db, batchSize: 1000, clock: () => new Date() }), undefined, 'no batch of a cancelled announcement')
  await app.close()
  t.match(await row(id), { status: 'cancelled', recipients: cancelled.recipients, in_app_count: cancelled.counts.inApp })
  t.match(await written(id), { notifications: cancelled.recipients, users: cancelled.recipients, recipients: cancelled.recipients })
})

t.test('two apps on the same database fan out at once: nobody twice, counts exact', async (t) => {
  const [a, b] = await Promise.all([instance(t), instance(t)])
  const one = await announce(a, ['inApp'])
  const two = await announce(b, ['inApp'])
  // Meanwhile the test takes batches too, two at a time: a third and fourth worker.
  const grabs = await Promise.all([fanOutBatch({ db, batchSize: 500, clock: () => new Date() }), fanOutBatch({ db, batchSize: 500, clock: () => new Date() })])
  if (grabs[0] && grabs[1]) t.not(grabs[0].announcementId, grabs[1].announcementId, 'two concurrent batches never hold the same announcement')
  await waitFor(async () => (await row(one)).status === 'sent' && (await row(two)).status === 'sent', { timeout: 300_000, what: 'both fan-outs to finish' })
  for (const id of [one, two]) {
    t.match(await row(id), { recipients: RECIPIENTS, in_app_count: RECIPIENTS })
    t.match(await written(id), { notifications: RECIPIENTS, users: RECIPIENTS, recipients: RECIPIENTS })
  }
})
