import type { Kysely } from 'kysely'
import t from 'tap'
import type { Database } from '../src/db/schema.js'
import { planEffects } from '../src/domain/plan-effects.js'
import { auth, brokerNames, build, createTestDatabase, drainQueue, publishEvents, waitFor } from './helpers/app.js'
import { consumerRig } from './helpers/consumer-rig.js'
import { installEventFaults } from './helpers/db-faults.js'
import { bookingCreated, userCreated } from './helpers/events.js'

const processedIds = async (db: Kysely<Database>, ids: string[]) => {
  const rows = await db.selectFrom('processed_events').select('id').where('id', 'in', ids).execute()
  return new Set(rows.map((r) => r.id))
}

type Ready = { status: string; checks: Record<string, string> }

t.test('AMQP: an event the database refuses (a trigger RAISEs) is dead-lettered with the reason; the rest of its batch commits', async (t) => {
  const rig = await consumerRig(t, { consumer: { prefetch: 30 } })
  await installEventFaults(rig.db)
  await rig.consumer.start()
  await waitFor(() => rig.consumer.connected, { what: 'the consumer' })

  const good = Array.from({ length: 9 }, () => bookingCreated({ admins: [] }))
  const bad = { ...userCreated(), id: `refuse-${Date.now()}` }
  await publishEvents(rig.exchange, [...good.slice(0, 4), bad, ...good.slice(4)])

  await waitFor(async () => (await processedIds(rig.db, good.map((e) => e.id))).size === good.length, { what: 'the good events', timeout: 30_000 })
  const dead = await waitFor(async () => {
    const got = await drainQueue(`${rig.queue}.dlq`)
    return got.length > 0 && got
  }, { what: 'the dead-lettered event' })
  t.equal(dead.length, 1, 'only the culprit is dead-lettered')
  t.equal(JSON.parse(dead[0]!.content.toString()).id, bad.id)
  t.match(String(dead[0]!.properties.headers?.['x-error']), /^rejected by the database: test trigger refuses event refuse-/, 'x-error says why')
  t.equal((await processedIds(rig.db, [bad.id])).size, 0, 'the culprit left no effects')
  t.equal(rig.consumer.consumerStatus, 'ok')
  t.match(await rig.metrics.registry.metrics(), /bookit_events_received_total\{type="user.created",transport="amqp",outcome="failed"\} 1/)
})

t.test('issue 14: two batches whose planning throws fill both in-flight slots, and consumption goes on', async (t) => {
  // A real seam: the ingestor's planning step, throwing for marked events as a bug would.
  const rig = await consumerRig(t, {
    // One message per batch, so the two culprits are two batches in flight at once.
    consumer: { prefetch: 3 },
    plan: (event, disabled) => {
      if (event.id.startsWith('throw-')) throw new RangeError('Invalid time value')
      return planEffects(event, disabled)
    },
  })
  await rig.consumer.start()
  await waitFor(() => rig.consumer.connected, { what: 'the consumer' })

  const culprits = [bookingCreated({ id: `throw-1-${Date.now()}` }), bookingCreated({ id: `throw-2-${Date.now()}` })]
  const behind = Array.from({ length: 6 }, () => bookingCreated({ admins: [] }))
  await publishEvents(rig.exchange, [...culprits, ...behind])

  await waitFor(async () => (await processedIds(rig.db, behind.map((e) => e.id))).size === behind.length, { what: 'the events behind the culprits', timeout: 30_000 })
  const dead = await waitFor(async () => {
    const got = await drainQueue(`${rig.queue}.dlq`)
    return got.length > 0 && got
  }, { what: 'dead-lettered culprits' })
  const more = await drainQueue(`${rig.queue}.dlq`)
  const all = [...dead, ...more]
  t.same(all.map((m) => JSON.parse(m.content.toString()).id).sort(), culprits.map((e) => e.id).sort(), 'both culprits dead-lettered')
  for (const m of all) t.match(String(m.properties.headers?.['x-error']), /processing failed: RangeError: Invalid time value/)
  t.equal((await processedIds(rig.db, culprits.map((e) => e.id))).size, 0, 'their transactions were rolled back')
})

t.test('readiness says the consumer is stalled while a batch hangs in the database, and ok again after', async (t) => {
  const broker = brokerNames(t)
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', AMQP_STALL_AFTER_MS: '1000', ...broker }, { sendEmails: false })
  await installEventFaults(app.db, { hangSeconds: 6 })
  await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200)

  const hang = bookingCreated({ id: `hang-${Date.now()}`, admins: [] })
  await publishEvents(broker.AMQP_EXCHANGE, [hang])
  const stalled = await waitFor(async () => {
    const res = await app.inject({ url: '/health/ready' })
    return res.statusCode === 503 && res.json<Ready>()
  }, { what: 'readiness to report the stall' })
  t.match(stalled.checks, { database: 'ok', broker: 'ok', consumer: /^stalled: 1 waiting, nothing committed for \d+s$/ })

  await waitFor(async () => (await processedIds(app.db, [hang.id])).size === 1, { what: 'the slow event to commit', timeout: 30_000 })
  const ready = await waitFor(async () => {
    const res = await app.inject({ url: '/health/ready' })
    return res.statusCode === 200 && res.json<Ready>()
  }, { what: 'readiness back to ok' })
  t.same(ready.checks, { database: 'ok', broker: 'ok', consumer: 'ok' })
})

t.test('HTTP: an event the database refuses gets a 400 with the reason (the index in an array), never a 500; nothing of the array is kept', async (t) => {
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false })
  await installEventFaults(app.db)
  const headers = auth(app, 'booking-service', ['events:publish'])

  const bad = bookingCreated({ id: `refuse-http-${Date.now()}` })
  const one = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: bad })
  t.equal(one.statusCode, 400)
  t.match(one.json().message, /^rejected by the database: test trigger refuses event refuse-http-/)

  const good = [bookingCreated(), bookingCreated(), bookingCreated()]
  const array = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: [good[0], good[1], bad, good[2]] })
  t.equal(array.statusCode, 400)
  t.match(array.json().message, /^events\[2\]: rejected by the database: test trigger refuses event/)
  t.equal((await processedIds(app.db, good.map((e) => e.id))).size, 0, 'all-or-nothing: the good events of the refused array are not kept')

  const retry = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: good })
  t.same(retry.json(), { accepted: 3, duplicates: 0 }, 'without the culprit the array goes through')
  t.match((await app.inject({ url: '/metrics' })).body, /bookit_events_received_total\{type="booking.created",transport="http",outcome="failed"\} 2/)
})
