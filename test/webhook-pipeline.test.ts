import t from 'tap'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { bookingCreated, userCreated } from './helpers/events.js'
import { WebhookReceiver } from './helpers/webhook-receiver.js'

// Webhooks through the real delivery pipeline: planned in the ingest transaction, claimed,
// sent, retried on the Standard Webhooks schedule (the first retry comes after ~5 s).
const receiver = new WebhookReceiver()
const gone = new WebhookReceiver()
const deliveryEvents = new WebhookReceiver()
await receiver.start()
await gone.start()
await deliveryEvents.start()
t.teardown(() => Promise.all([receiver.stop(), gone.stop(), deliveryEvents.stop()]))
const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t) })
const operator = auth(app, 'ops-1', ['notifications:admin'])
const publisher = auth(app, 'booking-service', ['events:publish'])

const register = async (url: string, events: string[]) => (await app.inject({ method: 'POST', url: '/v1/admin/webhooks', headers: operator, payload: { url, events } })).json<{ id: string; secret: string }>()
const endpoint = await register(receiver.url, ['notification.created'])
const goneEndpoint = await register(gone.url, ['notification.created'])
await register(receiver.url, ['delivery.failed'])
const deliveryEndpoint = await register(deliveryEvents.url, ['delivery.sent'])
receiver.secrets = [endpoint.secret]
deliveryEvents.secrets = [deliveryEndpoint.secret]
gone.answer = () => ({ status: 410 })

// Every message's first call fails with a 503; the retry is accepted.
const callsPerId = new Map<string, number>()
receiver.answer = (call) => {
  const id = String(call.headers['webhook-id'])
  callsPerId.set(id, (callsPerId.get(id) ?? 0) + 1)
  return callsPerId.get(id) === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 204 }
}

t.test('every notification reaches the subscribed endpoint once, after a failed first call, with the same webhook-id', async (t) => {
  const events = [bookingCreated(), userCreated({ id: 'u-55', email: 'u55@example.com', name: 'Fifty Five' })]
  const res = await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: events })
  t.equal(res.statusCode, 202)
  const notifications = await app.db.selectFrom('notifications').select(['id', 'user_id', 'type']).execute()
  t.equal(notifications.length, 3, 'booker, hall admin, new user')

  await waitFor(() => [...callsPerId.values()].filter((n) => n >= 2).length === 3, { timeout: 60_000, what: 'three retried calls accepted' })
  t.same([...callsPerId.values()], [2, 2, 2], 'each message: one failed call, one accepted, nothing more')
  t.ok(receiver.calls.every((c) => c.verifiedBy.length === 1), 'every call verifies with standardwebhooks')
  const bodies = receiver.calls.map((c) => JSON.parse(c.body) as { type: string; data: { notification: { id: string; userId: string; type: string } } })
  t.ok(bodies.every((b) => b.type === 'notification.created'))
  t.same(new Set(bodies.map((b) => b.data.notification.id)), new Set(notifications.map((n) => n.id)), 'one message per notification')

  const created = () => app.db.selectFrom('deliveries').select(['id', 'status', 'destination']).where('channel', '=', 'webhook').where('notification_type', '=', 'notification.created').execute()
  await waitFor(async () => (await created()).filter((d) => d.destination === endpoint.id && d.status === 'sent').length === 3, { what: 'webhook deliveries sent' })
  const listed = (await app.inject({ url: '/v1/admin/deliveries?channel=webhook&limit=100', headers: operator })).json<{ items: { id: string }[] }>()
  t.ok((await created()).every((d) => listed.items.some((i) => i.id === d.id)), 'operators see the webhook deliveries')

  // The same events again: duplicates, nothing new planned.
  await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: events })
  t.equal((await created()).length, 6, 'still 3 to each endpoint')
})

t.test('an endpoint answering 410 is disabled through the pipeline, with the reason', async (t) => {
  await waitFor(async () => (await app.inject({ url: `/v1/admin/webhooks/${goneEndpoint.id}`, headers: operator })).json().enabled === false, { what: 'endpoint disabled' })
  t.match((await app.inject({ url: `/v1/admin/webhooks/${goneEndpoint.id}`, headers: operator })).json(), { enabled: false, disabledReason: /410 Gone/ })
  const failed = await app.db.selectFrom('deliveries').select(['status', 'last_error']).where('destination', '=', goneEndpoint.id).execute()
  t.ok(failed.length >= 1 && failed.every((d) => d.status === 'failed' && /410/.test(d.last_error ?? '')), 'its deliveries failed as gone')
  const before = gone.calls.length
  await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: userCreated({ id: 'u-56', email: 'u56@example.com', name: 'Fifty Six' }) })
  await waitFor(() => callsPerId.size === 4 && [...callsPerId.values()].every((n) => n === 2), { timeout: 60_000, what: 'the new notification at the working endpoint' })
  t.equal(gone.calls.length, before, 'a disabled endpoint gets no new deliveries')
})

t.test('delivery.sent: each email the pipeline sends is announced once, without address or payload', async (t) => {
  const emails = await waitFor(async () => {
    const rows = await app.db.selectFrom('deliveries').select(['id', 'status']).where('channel', '=', 'email').execute()
    return rows.length > 0 && rows.every((r) => r.status === 'sent') && rows
  }, { what: 'emails sent' })
  await waitFor(() => deliveryEvents.calls.length >= emails.length, { timeout: 30_000, what: 'a delivery.sent call per email' })
  const bodies = deliveryEvents.calls.map((c) => JSON.parse(c.body) as { type: string; data: { delivery: { id: string; channel: string; status: string } } })
  t.ok(deliveryEvents.calls.every((c) => c.verifiedBy.length === 1), 'signed')
  t.ok(bodies.every((b) => b.type === 'delivery.sent' && b.data.delivery.channel === 'email' && b.data.delivery.status === 'sent'))
  t.same(bodies.map((b) => b.data.delivery.id).sort(), emails.map((e) => e.id).sort(), 'one per email, none twice')
  t.notMatch(deliveryEvents.calls.map((c) => c.body).join('\n'), /@example\.com/, 'no addresses')
  t.notOk(bodies.some((b) => b.data.delivery.channel === 'webhook'), 'webhook deliveries are not announced (no loop)')
})
