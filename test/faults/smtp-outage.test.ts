import t from 'tap'
import { AMQP_URL, brokerNames, build, createTestDatabase, publishEvents, waitFor } from '../helpers/app.js'
import { bookingCreated, grace } from '../helpers/events.js'
import { effectCounts, waitAllEmailsSent } from '../helpers/invariants.js'
import { SmtpSink } from '../helpers/smtp-sink.js'

const OUTAGE_MS = 60_000

t.test('SMTP down for 60 s during a burst, then back: every email delivered, none twice', async (t) => {
  const smtp = new SmtpSink({ parse: false })
  await smtp.start()
  t.teardown(() => smtp.stop())
  const broker = brokerNames(t)
  // Backoff shortened (1 s doubling to 8 s, instead of 5 s to 10 min) so the test's wait
  // after the outage stays short; with the defaults the schedule outlasts 10 minutes
  // (checked in email-delivery.test.ts).
  const { app, logs } = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL, SMTP_URL: smtp.url, EMAIL_RETRY_BASE_MS: '1000', EMAIL_RETRY_MAX_MS: '8000', ...broker })
  await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })

  // 1,000 events (2,000 emails): the outage meets a queue hundreds deep, and what is left after
  // it still goes out well inside the per-file limit on a busy runner.
  const total = 1_000
  await publishEvents(broker.AMQP_EXCHANGE, Array.from({ length: total }, () => bookingCreated({ admins: [grace] })))
  await waitFor(() => smtp.accepted.length >= 200, { what: 'a first part mailed', timeout: 60_000 })
  await smtp.stop()
  const atOutage = smtp.accepted.length
  t.comment(`SMTP down after ${atOutage} of ${total * 2} emails`)

  await new Promise((r) => setTimeout(r, OUTAGE_MS))
  const during = await app.db.selectFrom('email_outbox').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute()
  t.notOk(during.some((row) => row.status === 'failed'), `nothing given up during the outage: ${JSON.stringify(during)}`)
  t.ok(during.some((row) => row.status === 'pending' && row.n > 0), 'emails waiting')
  const paused = logs.lines.filter((l) => l.includes('SMTP server unreachable; deliveries paused'))
  // Backoff while the server is away: a round every 0.5–8 s, not a retry of every queued email.
  t.ok(paused.length >= 3 && paused.length <= 40, `the outage is noticed and waited out: ${paused.length} paused rounds in 60 s`)
  t.notOk(logs.text.includes('email send failed; will retry'), 'one line per round, not one per email')
  const attempts = await app.db.selectFrom('email_outbox').select((eb) => eb.fn.max('attempts').as('max')).where('status', '=', 'pending').executeTakeFirstOrThrow()
  t.ok(Number(attempts.max) >= 1 && Number(attempts.max) < 12, `attempts spent slowly: at most ${attempts.max} per email (the limit is 12)`)

  await smtp.start()
  await waitAllEmailsSent(app.db, () => smtp.accepted.length, 240_000)
  const counts = await effectCounts(app.db)
  t.equal(counts.events, total, 'every event processed')
  t.equal(counts.emails, total * 2, 'two emails per event')
  const distinct = new Set(smtp.accepted.map((m) => m.messageId))
  t.equal(distinct.size, total * 2, 'every email delivered')
  t.equal(smtp.accepted.length, distinct.size, 'none twice')
  t.match(logs.text, /SMTP server reachable again/)
})
