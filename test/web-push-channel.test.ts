import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import t from 'tap'
import type { DeliveryJob } from '../src/delivery/channel.js'
import { bookingTopic } from '../src/delivery/web-push/compose-push.js'
import { createWebPushChannel } from '../src/delivery/web-push/index.js'
import { saveSubscription } from '../src/delivery/web-push/subscription-store.js'
import { auth, build, createTestDatabase } from './helpers/app.js'
import { ada, bookingCreated } from './helpers/events.js'
import { type BrowserSubscription, PushService } from './helpers/push-service.js'

/**
 * The Web Push channel against a push service of our own (HTTPS, self-signed CA passed to
 * the channel): every accepted message had a valid VAPID signature and decrypted with the
 * subscription's private key, and every answer a push service gives maps to its outcome.
 */
const { app, config } = await build(t, { DATABASE_URL: await createTestDatabase(t), APP_URL: 'https://app.example.com', PUSH_ALLOWED_HOSTS: '127.0.0.1' }, { sendEmails: false })
const vapid = config.webPush!
const service = new PushService({ vapidPublicKey: vapid.publicKey, subject: vapid.subject })
await service.start()
t.teardown(() => service.stop())

const channel = createWebPushChannel({ config, db: app.db, log: app.log, metrics: app.metrics }, { ca: service.ca, timeoutMs: 10_000 })
t.teardown(() => channel.close())

const signal = new AbortController().signal

async function subscribe(userId = ada.id): Promise<BrowserSubscription & { rowId: string }> {
  const browser = service.subscribe()
  const response = await app.inject({ method: 'POST', url: '/v1/push/subscriptions', headers: auth(app, userId), payload: { endpoint: browser.endpoint, expirationTime: null, keys: browser.keys } })
  if (response.statusCode !== 201) throw new Error(`subscribe: ${response.statusCode} ${response.body}`)
  return { ...browser, rowId: response.json().id as string }
}

function job(destination: string, overrides: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    id: randomUUID(),
    channel: 'push',
    userId: ada.id,
    destination,
    notificationType: 'booking_cancelled',
    notificationId: randomUUID(),
    template: 'push',
    locale: 'en',
    payload: { title: 'Booking cancelled', body: 'Quarterly review in Main Hall was cancelled.', bookingId: 'b-7' },
    attempts: 1,
    createdAt: new Date(),
    ...overrides,
  }
}

// Two unread notifications for Ada: the count travels in every push.
await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'booking-service', ['events:publish']), payload: bookingCreated() })
const unread = (await app.inject({ url: '/v1/notifications/unread-count', headers: auth(app, ada.id) })).json().count as number

t.test('a cancellation arrives encrypted, signed, urgent and with its booking topic', async (t) => {
  const browser = await subscribe()
  const delivery = job(browser.rowId)
  const outcome = await channel.send(delivery, signal)
  t.equal(outcome.kind, 'sent', JSON.stringify(outcome))
  t.match((outcome as { providerId?: string }).providerId, /\/messages\//, 'the message resource (Location) is the provider id')
  t.same(service.refused, [], 'nothing refused for VAPID or encryption')
  const [received] = service.messagesFor(browser)
  t.ok(received, 'the push service accepted one message')
  t.same(received!.message, {
    title: 'Booking cancelled',
    body: 'Quarterly review in Main Hall was cancelled.',
    url: 'https://app.example.com/bookings/b-7',
    notificationId: delivery.notificationId,
    type: 'booking_cancelled',
    unreadCount: unread,
    tag: bookingTopic('b-7'),
  }, 'the browser decrypts title, body, url, notification id and unread count')
  t.ok(unread >= 1, `unread count is the real one (${unread})`)
  t.equal(received!.headers.urgency, 'high', 'cancellations are urgent')
  t.equal(received!.headers.topic, bookingTopic('b-7'))
  t.match(received!.headers.topic, /^[A-Za-z0-9_-]{1,32}$/, 'Topic is base64url, at most 32 characters')
  t.equal(received!.headers.ttl, '86400')
  t.equal(received!.claims.aud, service.origin, 'VAPID aud is the push service origin')
  t.equal(received!.claims.sub, vapid.subject)
})

t.test('other messages are normal urgency; the same booking shares a topic; no booking, no topic', async (t) => {
  const browser = await subscribe()
  t.equal((await channel.send(job(browser.rowId, { notificationType: 'booking_confirmed' }), signal)).kind, 'sent')
  t.equal((await channel.send(job(browser.rowId, { notificationType: 'welcome', payload: { title: 'Welcome', body: 'Hello' } }), signal)).kind, 'sent')
  const [confirmed, welcome] = service.messagesFor(browser)
  t.equal(confirmed!.headers.urgency, 'normal')
  t.equal(confirmed!.headers.topic, bookingTopic('b-7'), 'a newer message about b-7 replaces the older one')
  t.equal(welcome!.headers.topic, undefined)
  t.equal(welcome!.message.url, 'https://app.example.com/', 'no booking: the app itself')
})

t.test('a url outside the app is not followed', async (t) => {
  const browser = await subscribe()
  await channel.send(job(browser.rowId, { payload: { title: 'x', body: 'y', url: 'https://evil.example.net/phish' } }), signal)
  t.equal(service.messagesFor(browser)[0]!.message.url, 'https://app.example.com/')
})

for (const status of [404, 410]) {
  t.test(`${status} from the push service: gone, and the subscription is deleted`, async (t) => {
    const browser = await subscribe()
    service.script(browser, { status, body: 'expired' })
    const delivery = job(browser.rowId)
    const outcome = await channel.send(delivery, signal)
    t.equal(outcome.kind, 'gone', JSON.stringify(outcome))
    await channel.onGone!(delivery)
    const list = (await app.inject({ url: '/v1/push/subscriptions', headers: auth(app, ada.id) })).json().items as { id: string }[]
    t.notOk(list.some((s) => s.id === browser.rowId), 'no longer listed')
    t.equal((await channel.send(job(browser.rowId), signal)).kind, 'gone', 'a later delivery to it is gone too, without calling the push service')
  })
}

t.test('429 is retried after its Retry-After, in seconds or as a date', async (t) => {
  const browser = await subscribe()
  service.script(browser, { status: 429, headers: { 'retry-after': '120' } }, { status: 429, headers: { 'retry-after': new Date(Date.now() + 300_000).toUTCString() } })
  const seconds = await channel.send(job(browser.rowId), signal)
  t.equal(seconds.kind, 'retry')
  t.equal((seconds as { retryAfterMs?: number }).retryAfterMs, 120_000)
  const date = await channel.send(job(browser.rowId), signal)
  t.equal(date.kind, 'retry')
  const ms = (date as { retryAfterMs?: number }).retryAfterMs ?? 0
  t.ok(ms > 240_000 && ms <= 300_000, `an HTTP date becomes the time until it (${ms} ms)`)
  t.equal((await channel.send(job(browser.rowId), signal)).kind, 'sent', 'then it goes through')
})

t.test('5xx is retried; 400, 403 and 413 are final', async (t) => {
  const browser = await subscribe()
  service.script(browser, { status: 500 }, { status: 503, headers: { 'retry-after': '7' } }, { status: 400 }, { status: 403, body: 'bad jwt' }, { status: 413 })
  t.equal((await channel.send(job(browser.rowId), signal)).kind, 'retry', '500')
  t.same(await channel.send(job(browser.rowId), signal), { kind: 'retry', error: 'push service answered 503', retryAfterMs: 7000 }, '503 with Retry-After')
  t.equal((await channel.send(job(browser.rowId), signal)).kind, 'failed', '400')
  t.same(await channel.send(job(browser.rowId), signal), { kind: 'failed', error: 'push service answered 403: bad jwt' }, '403 carries the reason')
  t.equal((await channel.send(job(browser.rowId), signal)).kind, 'failed', '413')
})

async function deadEndpoint(): Promise<string> {
  // A port that was free a moment ago: connection refused.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
  const browser = service.subscribe()
  return saveSubscription(app.db, ada.id, { endpoint: `https://127.0.0.1:${port}/push/${browser.id}`, p256dh: browser.keys.p256dh, auth: browser.keys.auth })
}

t.test('when no push service answers, the channel is unreachable (paused as a whole)', async (t) => {
  const fresh = createWebPushChannel({ config, db: app.db, log: app.log, metrics: app.metrics }, { ca: service.ca })
  t.teardown(() => fresh.close())
  const outcome = await fresh.send(job(await deadEndpoint()), signal)
  t.equal(outcome.kind, 'unreachable', JSON.stringify(outcome))
  t.match((outcome as { error: string }).error, /ECONNREFUSED/)
})

t.test('a dead endpoint while other push services answer is retried on its own, not an outage', async (t) => {
  // A user can subscribe with any https endpoint; one that never answers must not pause everyone's pushes.
  const fresh = createWebPushChannel({ config, db: app.db, log: app.log, metrics: app.metrics }, { ca: service.ca })
  t.teardown(() => fresh.close())
  t.equal((await fresh.send(job((await subscribe()).rowId), signal)).kind, 'sent')
  const outcome = await fresh.send(job(await deadEndpoint()), signal)
  t.equal(outcome.kind, 'retry', JSON.stringify(outcome))
  t.match((outcome as { error: string }).error, /127\.0\.0\.1:\d+ unreachable: ECONNREFUSED/)
})

t.test('a push service whose certificate is not trusted is not sent to', async (t) => {
  const untrusting = createWebPushChannel({ config, db: app.db, log: app.log, metrics: app.metrics })
  t.teardown(() => untrusting.close())
  const browser = await subscribe()
  const outcome = await untrusting.send(job(browser.rowId), signal)
  t.equal(outcome.kind, 'unreachable', JSON.stringify(outcome))
  t.equal(service.messagesFor(browser).length, 0)
})

t.test("a subscription that moved to another user never gets this user's messages", async (t) => {
  const browser = await subscribe()
  // The same browser, now signed in as someone else, subscribes again: same id, new owner.
  const again = await app.inject({ method: 'POST', url: '/v1/push/subscriptions', headers: auth(app, 'u-other'), payload: { endpoint: browser.endpoint, keys: browser.keys } })
  t.equal(again.json().id, browser.rowId)
  const outcome = await channel.send(job(browser.rowId), signal)
  t.equal(outcome.kind, 'failed', JSON.stringify(outcome))
  t.equal(service.messagesFor(browser).length, 0)
})

t.test('at send time an endpoint on a private address is refused, given as an address or as a name that resolves to one', async (t) => {
  // Subscriptions made while the address was allowed (or while the name resolved elsewhere).
  const guarded = createWebPushChannel({ config: { ...config, pushEndpoints: { blockPrivateAddresses: true, allowedHosts: [] } }, db: app.db, log: app.log, metrics: app.metrics }, { ca: service.ca })
  t.teardown(() => guarded.close())
  const byAddress = await subscribe()
  const refused = service.refused.length
  t.match(await guarded.send(job(byAddress.rowId), signal), {
    kind: 'failed',
    error: /^127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback address; push subscriptions only reach public addresses \(or hosts in PUSH_ALLOWED_HOSTS\)$/,
  })
  const browser = service.subscribe()
  const byName = await saveSubscription(app.db, ada.id, { endpoint: browser.endpoint.replace('127.0.0.1', 'localhost'), p256dh: browser.keys.p256dh, auth: browser.keys.auth })
  t.match(await guarded.send(job(byName), signal), { kind: 'failed', error: /^localhost resolves to .*loopback address; push subscriptions only reach public addresses/ }, 'checked on the lookup the connection uses')
  t.equal(service.messagesFor(byAddress).length + service.messagesFor(browser).length + service.refused.length - refused, 0, 'no request reached the push service')

  const allowing = createWebPushChannel({ config: { ...config, pushEndpoints: { blockPrivateAddresses: true, allowedHosts: ['localhost'] } }, db: app.db, log: app.log, metrics: app.metrics }, { ca: service.ca })
  t.teardown(() => allowing.close())
  // Reached: the test service answers, refusing only the VAPID audience (it takes its own origin, 127.0.0.1).
  t.match(await allowing.send(job(byName), signal), { kind: 'failed', error: /^push service answered 403: VAPID: aud is https:\/\/localhost:/ }, 'a host in PUSH_ALLOWED_HOSTS is reached')
})
