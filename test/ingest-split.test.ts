import t from 'tap'
import { loadConfig } from '../src/config.js'
import { applyBookingEvent } from '../src/domain/booking-order.js'
import { splitFailing } from '../src/ingest/split-failing.js'
import { bookingCancelled, bookingCreated } from './helpers/events.js'

// The batch/ack decisions without a broker: which events a failing batch is split down to.

t.test('a batch with bad items is split down to them, in few attempts', async (t) => {
  const items = Array.from({ length: 500 }, (_, i) => i)
  const bad = new Set([17, 401])
  let attempts = 0
  const culprits = await splitFailing(items, async (part) => {
    attempts++
    const found = part.find((i) => bad.has(i))
    if (found !== undefined) throw new RangeError(`Invalid time value in ${found}`)
  })
  t.same(culprits, [
    { index: 17, reason: 'processing failed: RangeError: Invalid time value in 17' },
    { index: 401, reason: 'processing failed: RangeError: Invalid time value in 401' },
  ])
  t.ok(attempts <= 2 * 2 * Math.ceil(Math.log2(items.length)) + 1, `${attempts} attempts for 2 bad items among ${items.length}`)
  t.comment(`${attempts} attempts for 2 bad among 500`)
})

t.test('a database error names itself as such', async (t) => {
  const err = Object.assign(new Error('test trigger refuses event x'), { code: 'P0001' })
  t.same(await splitFailing([1], () => Promise.reject(err)), [{ index: 0, reason: 'rejected by the database: test trigger refuses event x' }])
})

t.test('an unreachable database is not an event at fault: it is thrown to the caller, which waits', async (t) => {
  for (const err of [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), new Error('Connection terminated unexpectedly'), Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), Object.assign(new Error('deadlock detected'), { code: '40P01' })]) {
    await t.rejects(splitFailing([1, 2, 3], () => Promise.reject(err)), err, err.message)
  }
})

t.test('order rule: a cancellation is final for its booking id', async (t) => {
  const booking = { id: 'b-1' }
  const fresh = { bookingId: 'b-1', cancelledAt: null, lastEventTime: null }
  const created = bookingCreated({ booking }) as never
  const cancelled = bookingCancelled({ booking }) as never
  const afterCancel = applyBookingEvent(fresh, cancelled)
  t.equal(afterCancel.produces, true)
  t.equal(afterCancel.next.cancelledAt, '2026-11-24T08:00:00Z')
  t.equal(applyBookingEvent(afterCancel.next, created).produces, false, 'created after cancelled: nothing')
  t.equal(applyBookingEvent(fresh, created).produces, true, 'created first: its confirmation')
  t.equal(applyBookingEvent(fresh, created, true).produces, false, 'created together with its cancellation: the cancellation is the last word')
  t.equal(applyBookingEvent(afterCancel.next, cancelled).next.cancelledAt, '2026-11-24T08:00:00Z', 'the first cancellation stays')
})

t.test('broker settings: quorum queues by default, a bad value names its variable', async (t) => {
  const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/bookit-config-test' }
  const config = loadConfig(base)
  t.same([config.amqpQueueType, config.amqpDeliveryLimit, config.amqpStallAfterMs], ['quorum', 10, 60_000])
  t.equal(loadConfig({ ...base, AMQP_QUEUE_TYPE: 'classic' }).amqpQueueType, 'classic')
  t.throws(() => loadConfig({ ...base, AMQP_QUEUE_TYPE: 'lazy' }), { name: 'ConfigError', message: /AMQP_QUEUE_TYPE.*quorum or classic/ })
  t.throws(() => loadConfig({ ...base, AMQP_DELIVERY_LIMIT: '0' }), { name: 'ConfigError', message: /AMQP_DELIVERY_LIMIT/ })
  t.throws(() => loadConfig({ ...base, AMQP_STALL_AFTER_MS: 'soon' }), { name: 'ConfigError', message: /AMQP_STALL_AFTER_MS/ })
})
