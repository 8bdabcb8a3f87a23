import { type Kysely, sql } from 'kysely'
import t from 'tap'
import { connectDatabase } from '../../src/db/connect.js'
import type { Database } from '../../src/db/schema.js'
import { auth, build, createTestDatabase, waitFor } from '../helpers/app.js'
import { ada, bookingCreated } from '../helpers/events.js'
import { waitAllEmailsSent } from '../helpers/invariants.js'
import { SmtpSink } from '../helpers/smtp-sink.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

/**
 * The scheduler when PostgreSQL goes away: reminders that fall due during an outage, and a
 * connection cut while the scheduler is in the middle of committing reminders (its claim and
 * their effects share one transaction, so a cut rolls back both or neither). Afterwards every
 * reminder exists exactly once, as a notification and as an email, without a restart.
 */
const BOOKINGS = 1_500
const checker = 'scheduler-outage-checker'

async function counts(db: Kysely<Database>) {
  const { rows } = await sql<{ scheduled: number; done: number; reminders: number; distinct_bookings: number }>`
    SELECT (SELECT count(*)::int FROM scheduled_jobs WHERE status = 'scheduled') AS scheduled,
           (SELECT count(*)::int FROM scheduled_jobs WHERE status <> 'scheduled') AS done,
           (SELECT count(*)::int FROM notifications WHERE type = 'booking_reminder') AS reminders,
           (SELECT count(DISTINCT data->>'bookingId')::int FROM notifications WHERE type = 'booking_reminder') AS distinct_bookings`.execute(db)
  return rows[0]!
}

t.test('PostgreSQL cut mid-commit and away while reminders fall due: each reminder once, and the scheduler resumes on its own', async (t) => {
  // The service reaches PostgreSQL through a proxy the test can cut; the test itself goes direct.
  const proxy = new TcpProxy('127.0.0.1', 5432)
  await proxy.start()
  t.teardown(() => proxy.stop())
  const smtp = new SmtpSink({ parse: false })
  await smtp.start()
  t.teardown(() => smtp.stop())
  const databaseUrl = await createTestDatabase(t)
  const proxied = new URL(databaseUrl)
  proxied.port = String(proxy.port)
  const { db } = connectDatabase(databaseUrl, { max: 2, applicationName: checker })
  t.teardown(() => db.destroy())

  let now = Date.parse('2037-11-01T12:00:00Z')
  const { app, logs } = await build(t, { DATABASE_URL: proxied.toString(), SMTP_URL: smtp.url, REMINDER_OFFSETS: '1h', SCHEDULER_POLL_MS: '50' }, { clock: () => new Date(now) })
  const publisher = auth(app, 'booking-service', ['events:publish'])

  // Bookings that all start 2037-11-02 10:00 UTC: one reminder each, due an hour before.
  const events = Array.from({ length: BOOKINGS }, (_, i) =>
    bookingCreated({ booking: { id: `b-outage-${i}`, title: `Outage ${i}`, startsAt: '2037-11-02T10:00:00Z', endsAt: '2037-11-02T11:00:00Z' }, user: { ...ada, id: `u-outage-${i}`, email: `outage-${i}@example.com` }, admins: [] }),
  )
  for (let i = 0; i < events.length; i += 250) {
    const response = await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: events.slice(i, i + 250) })
    if (response.statusCode !== 202) throw new Error(`events refused: ${response.statusCode} ${response.body}`)
  }
  t.match(await counts(db), { scheduled: BOOKINGS, reminders: 0 }, 'one reminder job per booking, none due yet')
  // The confirmations' emails go first, so the reminder emails counted below are only those.
  await waitAllEmailsSent(db, () => smtp.accepted.length, 120_000)
  const confirmations = smtp.accepted.length

  // 1. A cut while reminders are being committed.
  // Due, and the bookings not yet begun (a reminder for one that has ended would expire instead of going out).
  now = Date.parse('2037-11-02T09:30:00Z')
  await waitFor(async () => (await counts(db)).done >= 100, { what: 'the scheduler to be under way', timeout: 60_000, interval: 5 })
  proxy.refuse()
  const atCut = await counts(db)
  t.ok(atCut.scheduled > 0, `cut with reminders still to do: ${atCut.done} done, ${atCut.scheduled} to do`)
  t.equal(atCut.reminders, atCut.done, 'a done job has its notification, and a notification its done job (one transaction)')

  // 2. Away for a while, with everything due: nothing is done, and the scheduler keeps trying.
  const database = new URL(databaseUrl).pathname.slice(1)
  await waitFor(async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${database} AND application_name <> ${checker}`.execute(db)
    return rows[0]!.n === 0
  }, { what: "the service's sessions to end", timeout: 10_000 })
  const frozen = await counts(db)
  await new Promise((r) => setTimeout(r, 3_000))
  t.same(await counts(db), frozen, 'nothing committed while the database is away')
  t.ok(logs.lines.some((l) => /scheduler: could not run due jobs|scheduler: a batch failed/.test(l)), 'the scheduler said it could not run')

  proxy.accept()
  await waitFor(async () => (await counts(db)).scheduled === 0, { what: 'every reminder after the outage', timeout: 120_000 })
  const after = await counts(db)
  t.equal(after.reminders, BOOKINGS, 'one reminder notification per booking')
  t.equal(after.distinct_bookings, BOOKINGS, 'none twice')
  const failed = await db.selectFrom('scheduled_jobs').select(['id', 'status', 'attempts']).where('status', '<>', 'done').execute()
  t.same(failed, [], 'every job done, none given up because the database was away')
  await waitAllEmailsSent(db, () => smtp.accepted.length, 120_000)
  const reminderMails = smtp.accepted.slice(confirmations)
  t.equal(reminderMails.length, BOOKINGS, 'one reminder email per booking')
  t.equal(new Set(reminderMails.map((m) => m.to)).size, BOOKINGS, 'each to its own booker, none twice')
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200, 'ready again')
})
