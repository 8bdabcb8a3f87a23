import { randomUUID } from 'node:crypto'
import t from 'tap'
import webPush from 'web-push'
import { JWT_SECRET, createTestDatabase, uniqueName, waitFor } from './helpers/app.js'
import { ada, bookingCancelled, bookingCreated } from './helpers/events.js'
import { PushService } from './helpers/push-service.js'
import { listeningUrl, startService } from './helpers/service-process.js'
import { signToken } from './helpers/tokens.js'

/**
 * The whole path, in a service process as it runs in production: an event in, a push per
 * subscribed browser out through the delivery pipeline, to an HTTPS push service whose
 * self-signed CA the process trusts through NODE_EXTRA_CA_CERTS (read by Node at start).
 */
const keys = webPush.generateVAPIDKeys()
const subject = 'mailto:ops@example.com'
const service = new PushService({ vapidPublicKey: keys.publicKey, subject })
await service.start()
t.teardown(() => service.stop())

const proc = startService({
  DATABASE_URL: await createTestDatabase(t),
  DATA_DIR: `/tmp/${uniqueName('bookit-push')}`,
  JWT_SECRET,
  PORT: '0',
  HOST: '127.0.0.1',
  APP_URL: 'https://app.example.com',
  EMAIL_POLL_MS: '50',
  WEB_PUSH_PUBLIC_KEY: keys.publicKey,
  WEB_PUSH_PRIVATE_KEY: keys.privateKey,
  WEB_PUSH_SUBJECT: subject,
  NODE_EXTRA_CA_CERTS: service.caFile,
  // The test's push service listens on loopback, which subscriptions may not point at otherwise.
  PUSH_ALLOWED_HOSTS: '127.0.0.1',
})
t.teardown(async () => {
  proc.child.kill('SIGTERM')
  await proc.exited
})
const base = await listeningUrl(proc)

const as = (sub: string, roles?: string[]) => ({ authorization: `Bearer ${signToken(sub, roles)}`, 'content-type': 'application/json' })
const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
  const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  return { status: response.status, json: response.status === 204 ? undefined : ((await response.json()) as any) }
}
const publish = (event: unknown) => call('POST', '/v1/events', as('booking-service', ['events:publish']), event)
async function subscribe(user = ada.id) {
  const browser = service.subscribe()
  const { status, json } = await call('POST', '/v1/push/subscriptions', as(user), { endpoint: browser.endpoint, expirationTime: null, keys: browser.keys })
  if (status !== 201) throw new Error(`subscribe: ${status}`)
  return { ...browser, rowId: json.id as string }
}
const pushDeliveries = async () => (await call('GET', '/v1/admin/deliveries?channel=push', as('ops', ['notifications:admin']))).json.items as { id: string; destination: string; status: string; attempts: number; nextAttemptAt: string | null; lastError: string | null; notificationId: string | null; providerId: string | null }[]

t.test('a cancellation reaches each subscribed browser; a 410 deletes that subscription', async (t) => {
  const phone = await subscribe()
  const laptop = await subscribe()
  service.script(laptop, { status: 410, body: 'unsubscribed' })
  const event = bookingCancelled({ user: ada, admins: [] })
  t.equal((await publish(event)).status, 202)

  const [received] = await waitFor(() => service.messagesFor(phone).length > 0 && service.messagesFor(phone), { what: 'the push to the phone', timeout: 30_000 })
  const notification = (await call('GET', '/v1/notifications?limit=1', as(ada.id))).json.items[0]
  t.equal(received!.message.title, notification.title, 'the in-app title')
  t.equal(received!.message.body, notification.body, 'and body')
  t.equal(received!.message.notificationId, notification.id, 'the notification it belongs to')
  t.equal(received!.message.url, `https://app.example.com/bookings/${event.data.booking.id}`)
  t.ok((received!.message.unreadCount as number) >= 1, 'the unread count')
  t.equal(received!.headers.urgency, 'high')
  t.same(service.refused, [], 'every request had a valid VAPID signature and decrypted')

  await waitFor(async () => !(await call('GET', '/v1/push/subscriptions', as(ada.id))).json.items.some((s: { id: string }) => s.id === laptop.rowId), { what: 'the gone subscription deleted', timeout: 30_000 })
  const rows = await pushDeliveries()
  t.equal(rows.find((d) => d.destination === phone.rowId)?.status, 'sent')
  t.match(rows.find((d) => d.destination === phone.rowId)?.providerId, /^https:\/\/127\.0\.0\.1:\d+\/messages\//, "the push service's message URL (Location) is the provider id")
  const gone = rows.find((d) => d.destination === laptop.rowId)
  t.equal(gone?.status, 'failed', 'the delivery to the gone browser is final')
  t.match(gone?.lastError, /gone.*410/)
})

t.test("a 429's Retry-After holds the delivery that long", async (t) => {
  const tablet = await subscribe('u-tablet')
  service.script(tablet, { status: 429, headers: { 'retry-after': '3600' } })
  const before = Date.now()
  await publish(bookingCreated({ user: { id: 'u-tablet', email: 'tablet@example.com', name: 'T' }, admins: [] }))
  const row = await waitFor(async () => (await pushDeliveries()).find((d) => d.destination === tablet.rowId && d.attempts === 1 && d.lastError !== null), { what: 'the first attempt', timeout: 30_000 })
  t.equal(row.status, 'pending')
  t.match(row.lastError, /429/)
  t.ok(Date.parse(row.nextAttemptAt!) >= before + 3_500_000, `next attempt after the hour asked for (${row.nextAttemptAt})`)
  t.equal(service.messagesFor(tablet).length, 0)
})

t.test('push turned off for a type: no push for it', async (t) => {
  const browser = await subscribe('u-quiet')
  t.equal((await call('PUT', '/v1/preferences', as('u-quiet'), { booking_confirmed: { push: false } })).status, 200)
  t.equal((await call('GET', '/v1/preferences', as('u-quiet'))).json.booking_confirmed.push, false)
  t.equal((await call('GET', '/v1/preferences', as('u-quiet'))).json.booking_cancelled.push, true, 'on by default')
  const person = { id: 'u-quiet', email: 'quiet@example.com', name: 'Q' }
  await publish(bookingCreated({ user: person, admins: [], booking: { id: `b-${randomUUID().slice(0, 8)}` } }))
  await publish(bookingCancelled({ user: person, admins: [] }))
  await waitFor(() => service.messagesFor(browser).length > 0, { what: 'the cancellation push', timeout: 30_000 })
  t.same(service.messagesFor(browser).map((m) => m.message.type), ['booking_cancelled'], 'only the cancellation, which stayed on')
  t.same((await pushDeliveries()).filter((d) => d.destination === browser.rowId).length, 1, 'and only it was planned')
})
