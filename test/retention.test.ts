import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { runRetention } from '../src/retention/retention-job.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'

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
  t.same(skipped, { ran: false, notifications: 0, emailBodies: 0, emails: 0, events: 0 }, 'skipped while another replica runs it')
  t.equal(Number((await db.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 15, 'nothing deleted')
  await other.query('SELECT pg_advisory_unlock(7304512411)')

  const result = await runRetention({ db, retentionDays: config.retentionDays, batchSize: config.retentionBatchSize, log: app.log })
  t.same(result, { ran: true, notifications: 13, emailBodies: 1, emails: 2, events: 1 })
  const left = await db.selectFrom('notifications').select(['title']).orderBy('title').execute()
  t.same(left.map((r) => r.title), ['t101', 't102'], 'the recent notifications stay')
  const emails = await db.selectFrom('email_outbox').select(['event_id', 'status', 'payload']).orderBy('event_id').execute()
  t.same(emails, [
    { event_id: 'm-3', status: 'pending', payload: { booking: { title: 'x' } } },
    { event_id: 'm-4', status: 'sent', payload: {} },
    { event_id: 'm-5', status: 'failed', payload: { booking: { title: 'x' } } },
  ], 'old finished emails deleted, a pending one kept, sent bodies emptied, a failed one kept for a retry')
  t.same((await db.selectFrom('processed_events').select('id').execute()).map((r) => r.id), ['new'])
  await waitFor(async () => (await count()) === 1, { what: 'the cached count to follow the deletion', timeout: 5_000 })
  t.pass('the unread count follows the deletion')

  const again = await runRetention({ db, retentionDays: config.retentionDays, batchSize: config.retentionBatchSize, log: app.log })
  t.same(again, { ran: true, notifications: 0, emailBodies: 0, emails: 0, events: 0 }, 'a second run finds nothing')
})
