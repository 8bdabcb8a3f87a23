import t from 'tap'
import { connectDatabase } from '../src/db/connect.js'
import { AMQP_URL, JWT_SECRET, brokerNames, createTestDatabase, publishEvents, queueDepth, waitFor } from './helpers/app.js'
import { bookingCreated, grace } from './helpers/events.js'
import { effectCounts } from './helpers/invariants.js'
import { startService, waitForOutput } from './helpers/service-process.js'
import { SmtpSink } from './helpers/smtp-sink.js'

t.test('SIGKILL in the middle of a stream, then a restart: every effect exactly once', async (t) => {
  const smtp = new SmtpSink()
  await smtp.start()
  t.teardown(() => smtp.stop())
  const databaseUrl = await createTestDatabase(t)
  const broker = brokerNames(t)
  const env = {
    DATABASE_URL: databaseUrl,
    AMQP_URL,
    SMTP_URL: smtp.url,
    JWT_SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    AMQP_PREFETCH: '100',
    EMAIL_POLL_MS: '50',
    // Emails claimed by the killed process come back after their lease (2 minutes by default).
    EMAIL_LEASE_MS: '3000',
    DATA_DIR: '/tmp/bookit-crash-test',
    ...broker,
  }
  const { db } = connectDatabase(databaseUrl, { max: 2 })
  t.teardown(() => db.destroy())

  const first = startService(env)
  t.teardown(() => first.child.kill('SIGKILL'))
  await waitForOutput(first, /consuming events from the broker/)

  const total = 5_000
  await publishEvents(broker.AMQP_EXCHANGE, Array.from({ length: total }, () => bookingCreated({ admins: [grace] })))
  await waitFor(async () => (await effectCounts(db)).events >= 1_000, { what: 'a first part processed', timeout: 30_000 })
  first.child.kill('SIGKILL')
  t.equal(await first.exited, 'SIGKILL', 'killed without a chance to clean up')
  const atCrash = await effectCounts(db)
  t.ok(atCrash.events < total, `killed mid-stream, at ${atCrash.events} of ${total} events`)

  const second = startService(env)
  t.teardown(() => second.child.kill('SIGKILL'))
  await waitFor(async () => (await effectCounts(db)).events === total, { what: 'every event after the restart', timeout: 60_000 })
  await waitFor(async () => (await queueDepth(broker.AMQP_QUEUE)) === 0, { what: 'the queue to drain' })
  const counts = await effectCounts(db)
  t.equal(counts.notifications, total * 2, 'two notifications per event')
  t.equal(counts.emails, total * 2, 'two emails per event')
  t.equal(counts.doubledNotifications, 0, 'no notification twice')
  t.equal(counts.doubledEmails, 0, 'no email twice in the outbox')

  await waitFor(async () => (await db.selectFrom('email_outbox').select('id').where('status', '!=', 'sent').limit(1).execute()).length === 0, { what: 'all emails sent', timeout: 90_000 }).catch(async (err) => {
    const left = await db.selectFrom('email_outbox').select(['status', (eb) => eb.fn.countAll().as('n')]).groupBy('status').execute()
    throw new Error(`${(err as Error).message}; outbox: ${JSON.stringify(left)}; received ${smtp.received.length}`)
  })
  const distinct = new Set(smtp.received.map((m) => m.parsed.messageId))
  t.equal(distinct.size, total * 2, 'every email delivered')
  // At-least-once: only what was on the wire at the kill can go twice, with the same Message-ID.
  t.ok(smtp.received.length - distinct.size <= 100, `re-sent after the crash: ${smtp.received.length - distinct.size} (at most one batch in flight)`)

  second.child.kill('SIGTERM')
  t.equal(await second.exited, 0, 'SIGTERM: a clean exit')
})
