import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { connectDatabase } from '../src/db/connect.js'
import { REMINDER_JOB } from '../src/domain/reminders.js'
import { createMetrics } from '../src/metrics.js'
import { SCHEDULER_SOURCE, runReminders } from '../src/scheduler/reminder-jobs.js'
import { Scheduler } from '../src/scheduler/scheduler.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { bookingCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

// Exactly once without a lease: two replicas on one database, and a replica whose
// connection dies between claiming a reminder and committing it.

const HOUR = 3_600_000
const smtp = new SmtpSink()
await smtp.start()
t.teardown(() => smtp.stop())

let now = Date.parse('2037-11-01T12:00:00Z')
const clock = () => new Date(now)
const databaseUrl = await createTestDatabase(t)
const env = { DATABASE_URL: databaseUrl, SMTP_URL: smtp.url, REMINDER_OFFSETS: '24h,1h', SCHEDULER_POLL_MS: '20' }
const one = await build(t, env, { clock })
const two = await build(t, env, { clock, migrate: false })
const db = one.app.db

async function send(event: { id: string } | { id: string }[]) {
  const response = await one.app.inject({ method: 'POST', url: '/v1/events', headers: auth(one.app, 'booking-service', ['events:publish']), payload: event })
  if (response.statusCode !== 202) throw new Error(response.body)
}

async function allDueDone(at: number) {
  await waitFor(async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM scheduled_jobs WHERE status = 'scheduled' AND due_at <= ${new Date(at).toISOString()}::timestamptz`.execute(db)
    return rows[0]!.n === 0
  }, { what: 'due jobs done', timeout: 60_000 })
}

/** Reminder notifications per job (the job id is their event id). */
async function perJob() {
  const { rows } = await sql<{ event_id: string; n: number }>`
    SELECT event_id, count(*)::int AS n FROM notifications WHERE event_source = ${SCHEDULER_SOURCE} GROUP BY event_id`.execute(db)
  return new Map(rows.map((r) => [r.event_id, r.n]))
}

const handledBy = async (app: typeof one.app) => {
  const metric = await app.metrics.schedulerJobs.get()
  return metric.values.filter((v) => v.labels.outcome === 'done').reduce((sum, v) => sum + v.value, 0)
}

t.test('two replicas running the scheduler on one database: every reminder exactly once', async (t) => {
  const bookings = Array.from({ length: 100 }, (_, i) => ({ id: `b-two-${i}-${randomUUID().slice(0, 6)}`, title: `Two replicas ${i}`, startsAt: new Date(now + 3 * 24 * HOUR + i * 1_000).toISOString(), endsAt: new Date(now + 3 * 24 * HOUR + HOUR).toISOString() }))
  // One request per 25 bookings: the test is about the scheduler, not ingest.
  for (let i = 0; i < bookings.length; i += 25) await send(bookings.slice(i, i + 25).map((booking) => bookingCreated({ booking, admins: [] })))
  const { rows: jobs } = await sql<{ id: string }>`SELECT id FROM scheduled_jobs WHERE kind = ${REMINDER_JOB} AND subject LIKE 'b-two-%'`.execute(db)
  t.equal(jobs.length, 200, 'two reminders per booking')

  // All 200 become due at once: both replicas race for them.
  now += 4 * 24 * HOUR
  await allDueDone(now)
  const counts = await perJob()
  t.same(jobs.filter((j) => counts.get(j.id) !== 1), [], 'every job wrote exactly one notification')
  const { rows: emails } = await sql<{ event_id: string; n: number }>`
    SELECT event_id, count(*)::int AS n FROM deliveries WHERE event_source = ${SCHEDULER_SOURCE} AND channel = 'email' GROUP BY event_id HAVING count(*) <> 1`.execute(db)
  t.same(emails, [], 'and exactly one email delivery')
  const [a, b] = [await handledBy(one.app), await handledBy(two.app)]
  t.equal(a + b, 200, `the replicas' counts add up to the jobs (${a} + ${b})`)
  // Sending those emails is the outbox's work, exactly once by its own tests; test/reminders.test.ts follows one to SMTP.
})

t.test("a replica whose connection dies between claim and commit: its claim rolls back, another replica sends the reminder once", async (t) => {
  const booking = { id: `b-kill-${randomUUID().slice(0, 8)}`, title: 'Killed mid-claim', startsAt: new Date(now + 2 * 24 * HOUR).toISOString(), endsAt: new Date(now + 2 * 24 * HOUR + HOUR).toISOString() }
  await send(bookingCreated({ booking }))
  const job = (await db.selectFrom('scheduled_jobs').select(['id', 'due_at']).where('subject', '=', booking.id).orderBy('due_at').executeTakeFirstOrThrow())

  // A third "replica" whose clock is past the due time, while the two apps' clock is not.
  const doomed = connectDatabase(databaseUrl, { max: 2, applicationName: 'doomed-replica' })
  // Not awaited: the doomed transaction never ends, so its client is never given back; ending
  // closes the idle ones and leaves that one to its dead socket.
  t.teardown(() => void doomed.pool.end().catch(() => {}))
  let backendPid = 0
  let wroteEffects = false
  const stuck = new Scheduler({
    db: doomed.db,
    handlers: {
      [REMINDER_JOB]: async (trx, claimed) => {
        backendPid = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]!.pid
        await runReminders(trx, claimed)
        wroteEffects = true
        // The process "dies" here: it never commits.
        return new Promise(() => {})
      },
    },
    clock: () => new Date(job.due_at.getTime() + 1_000),
    pollMs: 1_000_000,
    batchSize: 1,
    metrics: createMetrics(),
    log: one.app.log,
  })
  void stuck.runBatch().catch(() => {})
  await waitFor(() => wroteEffects, { what: 'the doomed replica wrote its effects' })
  t.equal((await perJob()).get(job.id), undefined, 'its uncommitted notification is invisible')

  // The apps may look now: the row is locked, so they skip it.
  now = job.due_at.getTime() + 1_000
  t.equal(await two.app.scheduler.runDue(), 0, 'a replica looking while the claim is held skips the job')
  t.equal((await perJob()).get(job.id), undefined, 'and nothing was written for it')

  await sql`SELECT pg_terminate_backend(${backendPid})`.execute(db)
  await allDueDone(now)
  t.equal((await perJob()).get(job.id), 1, 'after the connection died, exactly one reminder')
  const jobRow = await db.selectFrom('scheduled_jobs').select(['status', 'attempts']).where('id', '=', job.id).executeTakeFirstOrThrow()
  t.same(jobRow, { status: 'done', attempts: 0 }, 'done, with no failed attempt recorded')
})
