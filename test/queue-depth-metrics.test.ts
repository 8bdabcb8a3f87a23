import amqp from 'amqplib'
import { sql } from 'kysely'
import t from 'tap'
import { AMQP_URL, brokerNames, build, createTestDatabase, publish, publishEvents, waitFor } from './helpers/app.js'
import { endHangingSessions, hanging, installEventFaults } from './helpers/db-faults.js'
import { bookingCreated, grace } from './helpers/events.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

/** The value of one sample in a scrape, or undefined when the series is absent. */
function sample(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

// Straight to the broker, one message at a time, so a hanging transaction holds back the rest in the queue.
const broker = brokerNames(t)
const direct = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL, AMQP_PREFETCH: '1', ...broker }, { sendEmails: false })
const scrape = async (app = direct.app) => {
  const response = await app.inject({ url: '/metrics' })
  if (response.statusCode !== 200) throw new Error(`/metrics answered ${response.statusCode}`)
  return response.body
}
const queue = (name: string) => `bookit_amqp_queue_messages{queue="${name}"}`
const dlq = `${broker.AMQP_QUEUE}.dlq`

// Through a proxy the test can cut or silence.
const proxy = new TcpProxy('127.0.0.1', 5672)
await proxy.start()
t.teardown(() => proxy.stop())
const proxied = brokerNames(t)
const cut = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}`, ...proxied }, { sendEmails: false })

await waitFor(() => direct.app.amqpConsumer?.connected && cut.app.amqpConsumer?.connected, { what: 'both consumers' })

t.test('the queue and its dead-letter queue are in /metrics, with the consumer counted', async (t) => {
  const body = await scrape()
  t.equal(sample(body, queue(broker.AMQP_QUEUE)), 0, 'the queue is empty')
  t.equal(sample(body, queue(dlq)), 0, 'the dead-letter queue is empty')
  t.equal(sample(body, `bookit_amqp_queue_consumers{queue="${broker.AMQP_QUEUE}"}`), 1, 'this instance consumes the queue')
  t.equal(sample(body, `bookit_amqp_queue_consumers{queue="${dlq}"}`), 0, 'nobody consumes the dead-letter queue')
  t.equal(sample(body, 'bookit_broker_connected'), 1, 'the consumer is connected')
})

t.test('invalid messages fill the dead-letter queue, and the scrape shows how many', async (t) => {
  await publish(broker.AMQP_EXCHANGE, [
    { routingKey: 'booking.created', body: 'not json' },
    { routingKey: 'booking.created', body: { specversion: '1.0' } },
    { routingKey: 'user.created', body: '[]' },
  ])
  const body = await waitFor(async () => {
    const s = await scrape()
    return sample(s, queue(dlq)) === 3 && s
  }, { what: 'three dead-lettered messages in the scrape' })
  t.equal(sample(body, queue(broker.AMQP_QUEUE)), 0, 'nothing left in the queue itself')
})

t.test('messages the consumer cannot take yet are counted in the queue, and the count falls as it catches up', async (t) => {
  await installEventFaults(direct.app.db, { hangSeconds: 600 })
  // The first hangs in its transaction; with a prefetch of 1 the other five wait in the broker.
  await publishEvents(broker.AMQP_EXCHANGE, [bookingCreated({ id: 'hang-queue-depth', admins: [grace] }), ...Array.from({ length: 5 }, () => bookingCreated({ admins: [grace] }))])
  await waitFor(async () => (await hanging(direct.app.db)) > 0, { what: 'the first event to hang' })
  await waitFor(async () => sample(await scrape(), queue(broker.AMQP_QUEUE)) === 5, { what: 'five messages waiting in the scrape' })
  t.pass('five messages waiting while the consumer is held')

  // The function, not the trigger: dropping the trigger would wait for the hanging transaction's lock.
  await sql`CREATE OR REPLACE FUNCTION test_event_faults() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`.execute(direct.app.db)
  await endHangingSessions(direct.app.db)
  await waitFor(async () => sample(await scrape(), queue(broker.AMQP_QUEUE)) === 0, { what: 'the queue to drain in the scrape' })
  t.pass('the queue is back to 0 once the consumer catches up')
})

t.test('a missing dead-letter queue is left out, and the consumer is not disturbed', async (t) => {
  const connection = await amqp.connect(AMQP_URL)
  const channel = await connection.createChannel()
  await channel.deleteQueue(dlq)
  const body = await scrape()
  t.equal(sample(body, queue(dlq)), undefined, 'no value for the missing queue')
  t.equal(sample(body, queue(broker.AMQP_QUEUE)), 0, 'the queue is still read')
  t.ok(direct.app.amqpConsumer?.connected, 'the consumer kept its channel')
  await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } })
  await connection.close()
  t.equal(sample(await scrape(), queue(dlq)), 0, 'read again once it exists')
})

t.test('with the broker away the scrape still answers, without queue counts', async (t) => {
  t.equal(sample(await scrape(cut.app), queue(proxied.AMQP_QUEUE)), 0, 'read through the proxy first')
  proxy.refuse()
  await waitFor(() => !cut.app.amqpConsumer?.connected, { what: 'the consumer to notice' })
  const body = await scrape(cut.app)
  t.notMatch(body, /^bookit_amqp_queue_(messages|consumers)\{/m, 'no queue values while the broker is away')
  t.equal(sample(body, 'bookit_broker_connected'), 0, 'the consumer is disconnected')
  t.match(body, /^bookit_events_received_total|^process_cpu_user_seconds_total/m, 'the rest of the scrape is there')

  proxy.accept()
  await waitFor(async () => sample(await scrape(cut.app), queue(proxied.AMQP_QUEUE)) === 0, { what: 'counts back in the scrape', timeout: 30_000 })
  t.pass('counts are back with the broker')
})

t.test('a broker that stops answering does not hold up the scrape', async (t) => {
  t.equal(sample(await scrape(cut.app), queue(proxied.AMQP_QUEUE)), 0, 'read first')
  proxy.stall()
  const body = await scrape(cut.app)
  t.notMatch(body, /^bookit_amqp_queue_messages\{/m, 'no queue values from a silent broker')
  t.match(body, /^process_cpu_user_seconds_total/m, 'the scrape answered')
  // Unblock the connection so the consumer can stop at teardown.
  proxy.drop()
  await waitFor(async () => sample(await scrape(cut.app), queue(proxied.AMQP_QUEUE)) === 0, { what: 'counts back in the scrape', timeout: 30_000 })
  t.pass('counts are back on the new connection')
})

t.test('an instance that does not consume exports no consumer state', async (t) => {
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false })
  const body = await scrape(app)
  t.notMatch(body, /^bookit_broker_connected /m, 'no broker gauge without a broker')
  t.notMatch(body, /^bookit_amqp_queue_messages\{/m, 'no queue counts without a broker')
})
