import t from 'tap'
import { AMQP_URL, brokerNames, build, createTestDatabase, drainQueue, publish, queueDepth, waitFor } from '../helpers/app.js'
import { bookingCreated, grace, userCreated } from '../helpers/events.js'
import { assertEffectsOnce, effectCounts } from '../helpers/invariants.js'

/** The kinds of bad message an upstream can send, each with the reason the DLQ should give. */
const malformed: { kind: string; routingKey: string; body: () => string; reason: RegExp }[] = [
  { kind: 'not JSON', routingKey: 'booking.created', body: () => '{"specversion": "1.0", oops', reason: /JSON/i },
  { kind: 'an array', routingKey: 'booking.created', body: () => JSON.stringify([bookingCreated()]), reason: /object/i },
  { kind: 'a string', routingKey: 'user.created', body: () => '"hello"', reason: /object/i },
  { kind: 'missing data', routingKey: 'booking.created', body: () => JSON.stringify({ ...bookingCreated(), data: undefined }), reason: /data/ },
  { kind: 'unknown type', routingKey: 'booking.created', body: () => JSON.stringify({ ...bookingCreated(), type: 'booking.exploded' }), reason: /type/ },
  { kind: 'wrong-typed field', routingKey: 'booking.created', body: () => JSON.stringify(bookingCreated({ booking: { attendees: 'forty' } })), reason: /attendees/ },
  { kind: 'no id', routingKey: 'user.created', body: () => JSON.stringify({ ...userCreated(), id: undefined }), reason: /id/ },
  { kind: 'bad email address', routingKey: 'user.created', body: () => JSON.stringify(userCreated({ id: 'u-x', email: 'not-an-address', name: 'X' })), reason: /email/ },
]
const tooLarge = { kind: 'over 256 KiB', routingKey: 'booking.created', body: () => JSON.stringify(bookingCreated({ booking: { notes: 'x'.repeat(300 * 1024) } })), reason: /256 KiB|too large/i }

t.test('1,000 malformed messages interleaved with 1,000 valid ones: 1,000 dead-lettered with reasons, 1,000 processed', async (t) => {
  const broker = brokerNames(t)
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL, AMQP_PREFETCH: '100', ...broker }, { sendEmails: false })
  await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })

  const messages: { routingKey: string; body: string }[] = []
  const expectedKinds: string[] = []
  for (let i = 0; i < 1_000; i++) {
    messages.push({ routingKey: 'booking.created', body: JSON.stringify(bookingCreated({ admins: [grace] })) })
    const bad = i % 100 === 99 ? tooLarge : malformed[i % malformed.length]!
    messages.push({ routingKey: bad.routingKey, body: bad.body() })
    expectedKinds.push(bad.kind)
  }
  await publish(broker.AMQP_EXCHANGE, messages)

  await waitFor(async () => (await effectCounts(app.db)).events === 1_000, { what: 'the valid events', timeout: 60_000 })
  await waitFor(async () => (await queueDepth(broker.AMQP_QUEUE)) === 0 && (await queueDepth(`${broker.AMQP_QUEUE}.dlq`)) === 1_000, { what: 'the queue to drain into the DLQ', timeout: 30_000 })
  await assertEffectsOnce(t, app.db, { notifications: 2_000, emails: 2_000 })

  const dead = await drainQueue(`${broker.AMQP_QUEUE}.dlq`)
  t.equal(dead.length, 1_000, 'every malformed message dead-lettered, once')
  // Dead-lettering keeps the order of arrival, so each can be matched to what was sent.
  const mismatched = dead.filter((message, i) => {
    const kind = [...malformed, tooLarge].find((k) => k.kind === expectedKinds[i])!
    const error = String(message.properties.headers?.['x-error'] ?? '')
    return !kind.reason.test(error)
  })
  t.same(mismatched.map((m) => String(m.properties.headers?.['x-error'])).slice(0, 5), [], 'each with the reason for its kind')
  t.ok(dead.every((m) => m.properties.headers?.['x-original-routing-key']), 'and where it was headed')
  const metrics = (await app.inject({ url: '/metrics' })).body
  const invalid = [...metrics.matchAll(/bookit_events_received_total\{[^}]*outcome="invalid"[^}]*\} (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)
  t.equal(invalid, 1_000, 'counted as invalid in the metrics')
})
