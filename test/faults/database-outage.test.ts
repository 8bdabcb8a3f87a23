import t from 'tap'
import { connectDatabase } from '../../src/db/connect.js'
import { AMQP_URL, brokerNames, build, createTestDatabase, publishEvents, queueDepth, waitFor } from '../helpers/app.js'
import { bookingCreated, grace } from '../helpers/events.js'
import { assertEffectsOnce, effectCounts, waitAllEmailsSent } from '../helpers/invariants.js'
import { SmtpSink } from '../helpers/smtp-sink.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

const OUTAGE_MS = 15_000

t.test('PostgreSQL unreachable for 15 s mid-stream: nothing acked before commit, no hot loop, full recovery', async (t) => {
  // The service reaches PostgreSQL through a proxy the test can close; the test itself goes direct.
  const proxy = new TcpProxy('127.0.0.1', 5432)
  await proxy.start()
  t.teardown(() => proxy.stop())
  const smtp = new SmtpSink({ parse: false })
  await smtp.start()
  t.teardown(() => smtp.stop())
  const databaseUrl = await createTestDatabase(t)
  const proxied = new URL(databaseUrl)
  proxied.port = String(proxy.port)
  const { db } = connectDatabase(databaseUrl, { max: 2 })
  t.teardown(() => db.destroy())
  const broker = brokerNames(t)
  const { app, logs } = await build(t, { DATABASE_URL: proxied.toString(), AMQP_URL, SMTP_URL: smtp.url, AMQP_PREFETCH: '100', ...broker })
  await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })

  const total = 5_000
  await publishEvents(broker.AMQP_EXCHANGE, Array.from({ length: total }, () => bookingCreated({ admins: [grace] })))
  await waitFor(async () => (await effectCounts(db)).events >= 1_000, { what: 'a first part processed', timeout: 60_000 })

  proxy.refuse()
  const linesBefore = logs.lines.length
  const atCut = (await effectCounts(db)).events
  await new Promise((r) => setTimeout(r, 2_000))
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 503, 'not ready while the database is away')
  t.match(ready.json(), { checks: { database: /unreachable/ } }, 'and it says what is missing')
  await new Promise((r) => setTimeout(r, OUTAGE_MS - 2_000))
  const during = logs.lines.slice(linesBefore)
  const retries = during.filter((l) => l.includes('cannot commit events; retrying')).length
  t.ok(retries >= 1, `the consumer kept trying: ${retries} retries logged`)
  // Each batch in flight (two at most) waits 0.2, 0.4, 0.8 ... up to 10 s between tries:
  // about 7 tries each in 15 s. A hot loop would log thousands of lines.
  t.ok(retries <= 2 * 9, `with backoff, not a hot loop: ${retries} retries in ${OUTAGE_MS / 1000} s`)
  t.ok(during.length <= 80, `${during.length} log lines in all during the outage`)
  t.equal(app.amqpConsumer?.connected, true, 'the broker connection stayed up')
  t.equal((await effectCounts(db)).events, atCut, 'nothing committed while the database was away')

  proxy.accept()
  await waitFor(async () => (await effectCounts(db)).events === total, { what: 'every event after the outage', timeout: 90_000 })
  await waitFor(async () => (await queueDepth(broker.AMQP_QUEUE)) === 0, { what: 'the queue to drain' })
  // A message acknowledged before its commit would be missing now: the ack came after.
  await assertEffectsOnce(t, db, { notifications: total * 2, emails: total * 2 })
  await waitAllEmailsSent(db, () => smtp.accepted.length, 90_000)
  const distinct = new Set(smtp.accepted.map((m) => m.messageId))
  t.equal(distinct.size, total * 2, 'every email delivered')
  // An email accepted by SMTP while its "sent" mark could not be written is held and
  // recorded after the outage, not sent again.
  t.equal(smtp.accepted.length, distinct.size, 'none twice')
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200, 'ready again')
})
