import t from 'tap'
import { brokerNames, build, createTestDatabase, publishEvents, queueDepth, waitFor } from '../helpers/app.js'
import { bookingCreated, grace } from '../helpers/events.js'
import { assertEffectsOnce, effectCounts } from '../helpers/invariants.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

t.test('the broker connection cut twice mid-stream: the consumer reconnects and finishes, nothing doubled', async (t) => {
  const proxy = new TcpProxy('127.0.0.1', 5672)
  await proxy.start()
  t.teardown(() => proxy.stop())
  const broker = brokerNames(t)
  const { app, logs } = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}`, AMQP_PREFETCH: '50', ...broker }, { sendEmails: false })
  await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })

  const total = 3_000
  const events = Array.from({ length: total }, () => bookingCreated({ admins: [grace] }))
  await publishEvents(broker.AMQP_EXCHANGE, events)

  for (const cut of [1, 2]) {
    const before = (await effectCounts(app.db)).events
    await waitFor(async () => (await effectCounts(app.db)).events > before + 200, { what: `progress before cut ${cut}` })
    proxy.drop()
    t.comment(`connection cut ${cut} at ${(await effectCounts(app.db)).events} events`)
    // Fails here, naming what did not happen, rather than later as "not every event".
    await waitFor(() => !app.amqpConsumer?.connected, { what: `the consumer to notice cut ${cut}`, timeout: 15_000 })
    await waitFor(() => app.amqpConsumer?.connected, { what: `the consumer to reconnect after cut ${cut}`, timeout: 30_000 })
  }

  await waitFor(async () => (await effectCounts(app.db)).events === total, { what: 'every event', timeout: 60_000 })
  await waitFor(async () => (await queueDepth(broker.AMQP_QUEUE)) === 0, { what: 'the queue to drain' })
  const counts = await effectCounts(app.db)
  t.equal(counts.events, total, 'every event recorded once')
  await assertEffectsOnce(t, app.db, { notifications: total * 2, emails: total * 2 })
  t.match(logs.text, /broker connection lost; reconnecting/, 'the cut was noticed')
  const scheduled = logs.lines.filter((l) => l.includes('broker reconnect scheduled'))
  t.ok(scheduled.length >= 2 && scheduled.length <= 20, `reconnects scheduled with a delay, not in a loop: ${scheduled.length}`)
  t.ok(app.amqpConsumer?.connected, 'connected again')
})
