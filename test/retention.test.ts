import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import { pino } from 'pino'
import t from 'tap'
import { connectDatabase } from '../src/db/connect.js'
import type { Database } from '../src/db/schema.js'
import { createMetrics } from '../src/metrics.js'
import { RetentionScheduler, runRetention } from '../src/retention/retention-job.js'
import { LogCapture, auth, build, createTestDatabase, waitFor } from './helpers/app.js'

t.test('retention deletes what is past RETENTION_DAYS in bounded batches, one replica at a time', async (t) => {
  const databaseUrl = await createTestDatabase(t)
  const { app, config } = await build(t, { DATABASE_URL: databaseUrl, RETENTION_DAYS: '30', RETENTION_BATCH_SIZE: '5' }, { sendEmails: false })
  const db = app.db
  const ago = (days: number) => sql<Date>`now() - make_interval(days => ${days})`
  const notification = (userId: string, days: number, unread: boolean, n: number) => ({
    user_id: userId,
    type: 'booking_confirmed',
    title: `t${n}`,
    body: 'b',
    data: JSON.stringify({}),
    created_at: ago(days),
    read_at: unread ? null : ago(days),
    event_source: '/test',
    event_id: `e-${userId}-${n}`,
  })
  // 13 old ones (3 batches of 5), 2 recent ones; 1 old and 1 recent unread for the user who watches the count.
  await db.insertInto('notifications').values([
    ...Array.from({ length: 12 }, (_, n) => notification('r-other', 100, false, n)),
    notification('r-1', 45, true, 100),
    notification('r-1', 5, true, 101),
    notification('r-1', 5, false, 102),
  ] as never).execute()
  const email = (status: string, days: number, n: number) => ({
    user_id: 'r-1', recipient: 'r1@example.com', notification_type: 'booking_confirmed', template: 'booking-confirmed', locale: 'en',
    payload: JSON.stringify({ booking: { title: 'x' } }), status, updated_at: ago(days), created_at: ago(days), event_source: '/test', event_id: `m-${n}`,
  })
  await db.insertInto('email_outbox').values([email('sent', 60, 1), email('failed', 60, 2), email('pending', 60, 3), email('sent', 1, 4), email('failed', 1, 5)] as never).execute()
  // The other channels' deliveries, and the SMPP message ids of SMS parts.
  const delivery = (channel: string, status: string, days: number, n: number) => ({
    channel, user_id: channel === 'webhook' ? null : 'r-1', destination: `d-${n}`, notification_type: 'booking_cancelled', template: channel, locale: 'en',
    payload: JSON.stringify({ text: 'x' }), status, updated_at: ago(days), created_at: ago(days), event_source: '/test', event_id: `d-${n}`,
  })
  const others = await db.insertInto('deliveries').values([
    delivery('sms', 'delivered', 60, 1), delivery('push', 'sent', 60, 2), delivery('webhook', 'failed', 60, 3),
    delivery('sms', 'pending', 60, 4), delivery('push', 'sent', 1, 5), delivery('sms', 'failed', 1, 6),
  ] as never).returning(['id', 'event_id']).execute()
  const idOf = (eventId: string) => others.find((d) => d.event_id === eventId)!.id
  const part = (messageId: string, deliveryId: string, days: number) => ({ message_id: messageId, delivery_id: deliveryId, part: 1, parts: 1, submitted_at: ago(days) })
  await db.insertInto('sms_messages').values([
    part('old-1a', idOf('d-1'), 60), part('old-1b', idOf('d-1'), 60), part('pending-4', idOf('d-4'), 60), part('recent-6', idOf('d-6'), 1),
    // Parts whose delivery is gone already (erased with its user): the old one goes, the recent one stays.
    part('orphan-old', '00000000-0000-4000-8000-000000000001', 60), part('orphan-new', '00000000-0000-4000-8000-000000000002', 1),
  ] as never).execute()
  await db.insertInto('processed_events').values([
    { source: '/test', id: 'old', type: 'booking.created', processed_at: ago(60) },
    { source: '/test', id: 'new', type: 'booking.created', processed_at: ago(1) },
  ] as never).execute()

  const count = async () => (await app.inject({ url: '/v1/notifications/unread-count', headers: auth(app, 'r-1') })).json().count as number
  t.equal(await count(), 2, 'two unread before')
  t.equal(await count(), 2, 'and now cached')

  // Another replica holds the lock: this one skips.
  const other = new pg.Client({ connectionString: databaseUrl })
  await other.connect()
  t.teardown(() => other.end())
  await other.query('SELECT pg_advisory_lock(7304512411)')
  const skipped = await runRetention({ db, retentionDays: config.retentionDays, batchSize: config.retentionBatchSize, log: app.log })
  t.same(skipped, { ran: false, notifications: 0, emailBodies: 0, deliveries: 0, emails: 0, smsMessages: 0, events: 0 }, 'skipped while another replica runs it')
  t.equal(Number((await db.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 15, 'nothing deleted')
  await other.query('SELECT pg_advisory_unlock(7304512411)')

  const result = await runRetention({ db, retentionDays: config.retentionDays, batchSize: config.retentionBatchSize, log: app.log })
  t.same(result, { ran: true, notifications: 13, emailBodies: 1, deliveries: 5, emails: 2, smsMessages: 3, events: 1 })
  const left = await db.selectFrom('notifications').select(['title']).orderBy('title').execute()
  t.same(left.map((r) => r.title), ['t101', 't102'], 'the recent notifications stay')
  const emails = await db.selectFrom('email_outbox').select(['event_id', 'status', 'payload']).orderBy('event_id').execute()
  t.same(emails, [
    { event_id: 'm-3', status: 'pending', payload: { booking: { title: 'x' } } },
    { event_id: 'm-4', status: 'sent', payload: {} },
    { event_id: 'm-5', status: 'failed', payload: { booking: { title: 'x' } } },
  ], 'old finished emails deleted, a pending one kept, sent bodies emptied, a failed one kept for a retry')
  const kept = await db.selectFrom('deliveries').select(['event_id', 'status']).where('channel', '<>', 'email').orderBy('event_id').execute()
  t.same(kept, [{ event_id: 'd-4', status: 'pending' }, { event_id: 'd-5', status: 'sent' }, { event_id: 'd-6', status: 'failed' }], 'old finished push, SMS and webhook deliveries deleted; pending and recent ones kept')
  const parts = await db.selectFrom('sms_messages').select('message_id').orderBy('message_id').execute()
  t.same(parts.map((p) => p.message_id), ['orphan-new', 'pending-4', 'recent-6'], "a deleted SMS delivery's parts go with it, and old parts of deliveries gone otherwise")
  t.same((await db.selectFrom('processed_events').select('id').execute()).map((r) => r.id), ['new'])
  await waitFor(async () => (await count()) === 1, { what: 'the cached count to follow the deletion', timeout: 5_000 })
  t.equal(await count(), 1, 'the unread count follows the deletion')

  const again = await runRetention({ db, retentionDays: config.retentionDays, batchSize: config.retentionBatchSize, log: app.log })
  t.same(again, { ran: true, notifications: 0, emailBodies: 0, deliveries: 0, emails: 0, smsMessages: 0, events: 0 }, 'a second run finds nothing')
})

/** A migrated database of its own, a direct connection to it, and helpers for the scheduler tests. */
async function retentionRig(t: Tap, applicationName: string) {
  const databaseUrl = await createTestDatabase(t)
  // Migrations come from building the app once; its workers are not started.
  const { app } = await build(t, { DATABASE_URL: databaseUrl }, { startWorkers: false })
  const { db } = connectDatabase(databaseUrl, { max: 2, applicationName })
  t.teardown(() => db.destroy())
  const other = new pg.Client({ connectionString: databaseUrl })
  await other.connect()
  t.teardown(() => other.end())
  const metrics = createMetrics()
  const logs = new LogCapture()
  const log = pino({ level: 'info' }, logs)
  let n = 0
  const addOld = (userId: string) => sql`
    INSERT INTO notifications (user_id, type, title, body, data, created_at, event_source, event_id)
    VALUES (${userId}, 'booking_confirmed', 't', 'b', '{}', now() - interval '100 days', '/test', ${`old-${++n}`})`.execute(app.db)
  const oldLeft = async (userId: string) => Number((await app.db.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n)
  const runs = async (outcome: string) => (await metrics.retentionRuns.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0
  const scheduler = (intervalMs: number) => {
    const s = new RetentionScheduler({ db, retentionDays: 30, batchSize: 100, intervalMs, firstRunMs: 0, metrics, log: log as never })
    t.teardown(() => s.stop())
    return s
  }
  return { app, db, other, metrics, logs, addOld, oldLeft, runs, scheduler }
}
type Tap = Parameters<typeof createTestDatabase>[0]

t.test('the scheduler runs the job again and again, skips while another replica holds the lock, and stops', async (t) => {
  const { other, addOld, oldLeft, runs, scheduler } = await retentionRig(t, 'retention-loop')
  const retention = scheduler(100)
  await addOld('first')
  retention.start()
  await waitFor(async () => (await oldLeft('first')) === 0, { what: 'the first run to delete' })
  // A row added after the first run is deleted by a later one: the timer is re-armed.
  await addOld('second')
  await waitFor(async () => (await oldLeft('second')) === 0, { what: 'a later run to delete' })
  // Counted just after the run returns, a moment after its deletes are visible.
  await waitFor(async () => (await runs('completed')) >= 2, { what: 'two runs counted as completed' })
  t.ok((await runs('completed')) >= 2, `runs completed: ${await runs('completed')}`)

  await other.query('SELECT pg_advisory_lock(7304512411)')
  const skippedBefore = await runs('skipped')
  await addOld('locked-out')
  await waitFor(async () => (await runs('skipped')) >= skippedBefore + 2, { what: 'runs to skip while the lock is held' })
  t.equal(await oldLeft('locked-out'), 1, 'nothing deleted while another replica holds the lock')
  await other.query('SELECT pg_advisory_unlock(7304512411)')
  await waitFor(async () => (await oldLeft('locked-out')) === 0, { what: 'a run once the lock is free' })
  t.equal(await runs('failed'), 0, 'no run failed')

  await retention.stop()
  const stopped = (await runs('completed')) + (await runs('skipped'))
  await addOld('after-stop')
  // A negative can only be checked over a while: ten intervals with no run.
  await new Promise((r) => setTimeout(r, 1_000))
  t.equal((await runs('completed')) + (await runs('skipped')), stopped, 'no run after stop()')
  t.equal(await oldLeft('after-stop'), 1, 'and nothing deleted')
})

/** Holds the notifications table so the job's first DELETE waits, then ends the job's session, as a database restart would. */
async function cutMidRun(db: Kysely<Database>, other: pg.Client, applicationName: string, start: () => void) {
  await other.query('BEGIN')
  await other.query('LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE')
  start()
  const waiting = await waitFor(async () => {
    const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE application_name = ${applicationName} AND wait_event_type = 'Lock' AND query LIKE '%DELETE FROM notifications%'`.execute(db.withoutPlugins())
    return rows[0]
  }, { what: 'the job to wait on the table, holding its advisory lock' })
  await other.query('SELECT pg_terminate_backend($1)', [waiting.pid])
  await other.query('ROLLBACK')
}

t.test('the database gone mid-run: the first error is reported (not the failed unlock), counted, and the next run works', async (t) => {
  const name = 'retention-cut'
  const { app, db, other, logs, addOld, oldLeft, runs, scheduler } = await retentionRig(t, name)
  await addOld('cut')

  let outcome: Promise<unknown> | undefined
  await cutMidRun(app.db, other, name, () => {
    outcome = runRetention({ db, retentionDays: 30, batchSize: 100, log: pino({ level: 'silent' }) as never })
    // It may reject before t.rejects below is attached: mark it handled now, check it there.
    outcome.catch(() => {})
  })
  await t.rejects(outcome!, /terminating connection due to administrator command/, 'the job fails with what went wrong first')

  const retention = scheduler(200)
  await cutMidRun(app.db, other, name, () => retention.start())
  await waitFor(async () => (await runs('failed')) === 1, { what: 'the failed run to be counted' })
  const failure = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'retention run failed; trying again at the next interval')
  t.match(failure?.err?.message, /terminating connection due to administrator command/, 'the log names the first error')
  await waitFor(async () => (await oldLeft('cut')) === 0, { what: 'the next run to delete' })
  await waitFor(async () => (await runs('completed')) >= 1, { what: 'the next run counted as completed' })
  t.equal(await runs('failed'), 1, 'the next run completed: the loop survived the failure')
})

t.test('stop() during a run held up by a lock returns at once: the run is cut short, not failed, and the next run deletes the rest', async (t) => {
  const name = 'retention-stop'
  const { app, db, other, logs, addOld, oldLeft, runs, scheduler } = await retentionRig(t, name)
  await addOld('held')
  // Stands for whatever keeps a batch going at shutdown: a row lock elsewhere, a loaded machine.
  await other.query('BEGIN')
  await other.query('LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE')
  const retention = scheduler(3_600_000)
  retention.start()
  await waitFor(async () => {
    const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE application_name = ${name} AND wait_event_type = 'Lock' AND query LIKE '%DELETE FROM notifications%'`.execute(app.db.withoutPlugins())
    return rows[0]
  }, { what: 'the job to wait on the table' })

  // Before the fix stop() waited for the lock, here for ever: the guard only turns that into a failure.
  let guard: NodeJS.Timeout | undefined
  const stopped = await Promise.race([retention.stop().then(() => 'stopped'), new Promise((resolve) => (guard = setTimeout(() => resolve('still waiting for the lock'), 60_000)))])
  clearTimeout(guard)
  t.equal(stopped, 'stopped', 'stop() returned while the table is still locked')
  await other.query('ROLLBACK')

  t.equal(await oldLeft('held'), 1, 'the cut batch deleted nothing (rolled back)')
  t.equal(await runs('failed'), 0, 'not counted as a failed run')
  t.match(logs.text, /retention: stopped for shutdown/, 'logged as stopped, not failed')
  const { rows: free } = await other.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(7304512411) AS ok')
  t.equal(free[0]?.ok, true, 'its advisory lock was released')
  await other.query('SELECT pg_advisory_unlock(7304512411)')
  const next = await runRetention({ db, retentionDays: 30, batchSize: 100, log: pino({ level: 'silent' }) as never })
  t.equal(next.notifications, 1, 'the next run deletes what the stopped one left')
  t.equal(await oldLeft('held'), 0)
})
