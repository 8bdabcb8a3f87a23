import amqp from 'amqplib'
import t, { type Test } from 'tap'
import { AMQP_URL, brokerNames, build, createTestDatabase, drainQueue, publishEvents, queueDepth, waitFor } from './helpers/app.js'
import { consumerRig } from './helpers/consumer-rig.js'
import { hanging, installEventFaults } from './helpers/db-faults.js'
import { bookingCreated } from './helpers/events.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

// Issue 14: the consumer's paths that no test made happen, each made to happen for real.

type Rig = Awaited<ReturnType<typeof consumerRig>>
const processed = async (rig: Rig, ids: string[]) => (await rig.db.selectFrom('processed_events').select('id').where('id', 'in', ids).execute()).length
const notifications = async (rig: Rig, id: string) => (await rig.db.selectFrom('notifications').select('id').where('event_id', '=', id).execute()).length
/** The consumer's own channel: the broker closes a channel that acknowledges a delivery tag it never sent. */
const closeConsumerChannel = (rig: Rig) => (rig.consumer as unknown as { channel: amqp.ConfirmChannel }).channel.ack({ fields: { deliveryTag: 987_654 } } as amqp.Message)

async function flows(t: Test, rig: Rig, what: string) {
  const event = bookingCreated({ admins: [] })
  await publishEvents(rig.exchange, [event])
  await waitFor(async () => (await processed(rig, [event.id])) === 1, { what, timeout: 30_000 })
  t.ok(rig.consumer.connected, what)
}

t.test('a channel the broker closes on a live connection is reopened, and consumption goes on', async (t) => {
  const rig = await consumerRig(t)
  await rig.consumer.start()
  await waitFor(() => rig.consumer.connected, { what: 'the consumer' })
  closeConsumerChannel(rig)
  await waitFor(() => !rig.consumer.connected, { what: 'the channel to close' })
  await waitFor(() => rig.logs.text.includes('broker channel reopened'), { what: 'the channel to be reopened' })
  t.match(rig.logs.text, /PRECONDITION_FAILED - unknown delivery tag/, 'closed by the broker, for the reason given')
  await flows(t, rig, 'events flow on the reopened channel')
})

t.test('the broker cancels the consumer (its queue is deleted): the queue is declared again and consumption goes on', async (t) => {
  const rig = await consumerRig(t)
  await rig.consumer.start()
  await waitFor(() => rig.consumer.connected, { what: 'the consumer' })
  const connection = await amqp.connect(AMQP_URL)
  const channel = await connection.createChannel()
  await channel.deleteQueue(rig.queue)
  await connection.close()
  await waitFor(() => rig.logs.text.includes('broker cancelled the consumer'), { what: 'the cancel to be noticed' })
  await waitFor(() => rig.logs.text.includes('broker channel reopened'), { what: 'the queue declared again' })
  await flows(t, rig, 'events flow into the re-declared queue')
})

t.test('a batch that cannot be settled (its channel closed while it committed) is redelivered, and its effects stay once', async (t) => {
  const rig = await consumerRig(t)
  await installEventFaults(rig.db, { hangSeconds: 3 })
  await rig.consumer.start()
  await waitFor(() => rig.consumer.connected, { what: 'the consumer' })
  const slow = bookingCreated({ id: `hang-${Date.now()}`, admins: [] })
  await publishEvents(rig.exchange, [slow])
  await waitFor(async () => (await hanging(rig.db)) > 0, { what: 'the batch committing' })
  closeConsumerChannel(rig)
  // The commit finishes on the database; the acknowledgement cannot go out on a closed channel.
  await waitFor(async () => (await rig.metrics.registry.metrics()).includes('bookit_events_received_total{type="booking.created",transport="amqp",outcome="duplicate"} 1'), {
    what: 'the redelivered copy recorded as a duplicate',
    timeout: 30_000,
  })
  t.equal(await notifications(rig, slow.id), 1, 'one notification')
  t.match(await rig.metrics.registry.metrics(), /bookit_amqp_redeliveries_total [1-9]/, 'the redelivery counted')
  await waitFor(async () => (await queueDepth(rig.queue)) === 0 && rig.consumer.consumerStatus === 'ok', { what: 'nothing left waiting' })
})

t.test('a data error splits a batch and dead-letters only the event at fault', async (t) => {
  const rig = await consumerRig(t, { consumer: { prefetch: 60 } })
  await installEventFaults(rig.db)
  const events = Array.from({ length: 15 }, () => bookingCreated({ admins: [] }))
  const bad = bookingCreated({ id: `data-${Date.now()}`, admins: [] })
  await rig.consumer.start()
  await waitFor(() => rig.consumer.connected, { what: 'the consumer' })
  await publishEvents(rig.exchange, [...events.slice(0, 11), bad, ...events.slice(11)])
  await waitFor(async () => (await processed(rig, events.map((e) => e.id))) === events.length, { what: 'the good events', timeout: 30_000 })
  const dead = await waitFor(async () => {
    const got = await drainQueue(`${rig.queue}.dlq`)
    return got.length > 0 && got
  }, { what: 'the dead-lettered event' })
  t.same(dead.map((m) => JSON.parse(m.content.toString()).id), [bad.id])
  t.match(String(dead[0]!.properties.headers?.['x-error']), /^rejected by the database: test trigger finds a bad value/)
})

t.test('stopping during a database outage gives up the batch, which the broker keeps for the next start', async (t) => {
  const proxy = new TcpProxy('127.0.0.1', 5432)
  await proxy.start()
  t.teardown(() => proxy.stop())
  const direct = new URL(await createTestDatabase(t))
  direct.port = String(proxy.port)
  const rig = await consumerRig(t, { databaseUrl: direct.toString() })
  await rig.consumer.start()
  await waitFor(() => rig.consumer.connected, { what: 'the consumer' })
  proxy.refuse()
  const event = bookingCreated({ admins: [] })
  await publishEvents(rig.exchange, [event])
  await waitFor(() => rig.logs.text.includes('cannot commit events; retrying'), { what: 'the consumer to wait out the outage' })
  // Generous: the consumer gives up after a few backed-off tries; without that it would wait for ever.
  let timer: NodeJS.Timeout | undefined
  const gaveUp = await Promise.race([rig.consumer.stop().then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 45_000)))])
  clearTimeout(timer)
  t.ok(gaveUp, 'stop() returned while the database was still down')
  await waitFor(async () => (await queueDepth(rig.queue)) === 1, { what: 'the message back in the queue' })
  proxy.accept()
  t.equal(await processed(rig, [event.id]), 0, 'nothing was committed')
})

t.test('an existing queue of another type keeps its type, with one warning', async (t) => {
  const broker = brokerNames(t)
  const connection = await amqp.connect(AMQP_URL)
  const channel = await connection.createChannel()
  await channel.assertQueue(broker.AMQP_QUEUE, { durable: true }) // classic, as before quorum queues
  await connection.close()
  const { app, logs } = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL, ...broker }, { sendEmails: false })
  await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })
  const warnings = logs.lines.filter((l) => l.includes('the queue exists with other arguments'))
  t.equal(warnings.length, 1, 'one warning')
  t.match(warnings[0], /"queue":"test\.notifications_[^"]+"/, 'naming the queue')
  const event = bookingCreated({ admins: [] })
  await publishEvents(broker.AMQP_EXCHANGE, [event])
  await waitFor(async () => (await app.db.selectFrom('processed_events').select('id').where('id', '=', event.id).execute()).length === 1, { what: 'the event through the old queue' })
})

t.test('a login the broker refuses (wrong password in AMQP_URL) is said plainly, and readiness says so without secrets', async (t) => {
  const { app, logs } = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL: 'amqp://guest:not-the-password-s3cr3t@127.0.0.1:5672', ...brokerNames(t) }, { sendEmails: false })
  const ready = await waitFor(async () => {
    const res = await app.inject({ url: '/health/ready' })
    return res.statusCode === 503 && res.json<{ checks: Record<string, string> }>().checks.broker === 'login refused' && res
  }, { what: 'readiness to say login refused' })
  t.notMatch(ready.body, /s3cr3t|guest/, 'no credentials in the answer')
  const line = logs.lines.find((l) => l.includes('refused the login of AMQP_URL'))
  t.ok(line, 'an error line naming AMQP_URL')
  t.match(JSON.parse(line!), { level: 50, variable: 'AMQP_URL' })
  t.notMatch(logs.text, /s3cr3t/, 'the password is never logged')
  const delays = logs.lines.filter((l) => l.includes('broker reconnect scheduled')).map((l) => JSON.parse(l).delayMs as number)
  t.ok(delays.length > 0 && delays.every((d) => d >= 30_000), `it asks again slowly, not in a tight loop: ${delays.join(', ')} ms`)
})
