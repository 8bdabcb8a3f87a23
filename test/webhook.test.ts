import { randomUUID } from 'node:crypto'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { ConfigError, loadConfig } from '../src/config.js'
import type { DeliveryJob } from '../src/delivery/channel.js'
import { isPublicAddress, resolveWebhookTarget } from '../src/delivery/webhook/address-guard.js'
import { endpointsFor } from '../src/delivery/webhook/endpoint-store.js'
import { createWebhookChannel } from '../src/delivery/webhook/index.js'
import { WEBHOOK_RETRY_SCHEDULE_MS, webhookRetryDelayMs } from '../src/delivery/webhook/retry-schedule.js'
import { planWebhookDeliveries, webhookMessage } from '../src/domain/webhook-events.js'
import { JWT_SECRET, auth, build, createTestDatabase, testConfig } from './helpers/app.js'
import { WebhookReceiver } from './helpers/webhook-receiver.js'

const receiver = new WebhookReceiver()
await receiver.start()
t.teardown(() => receiver.stop())
const databaseUrl = await createTestDatabase(t)
const { app, logs } = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false })
const operator = auth(app, 'ops-1', ['notifications:admin'])
const channel = createWebhookChannel({ config: app.config, db: app.db, log: app.log })

async function register(events = ['notification.created', 'delivery.failed']): Promise<{ id: string; secret: string }> {
  const res = await app.inject({ method: 'POST', url: '/v1/admin/webhooks', headers: operator, payload: { url: receiver.url, events, description: 'ops dashboard' } })
  if (res.statusCode !== 201) throw new Error(`register: ${res.statusCode} ${res.body}`)
  return res.json()
}

function job(endpointId: string, data: Record<string, unknown> = { notificationId: randomUUID() }, attempts = 1): DeliveryJob {
  const payload = webhookMessage('notification.created', data)
  return { id: randomUUID(), channel: 'webhook', userId: null, destination: endpointId, notificationType: payload.type, notificationId: null, template: 'webhook', locale: 'en', payload: { ...payload }, attempts, createdAt: new Date() }
}

const signal = new AbortController().signal

t.test('operators register, list, read, rotate and delete endpoints; the secret is shown once', async (t) => {
  const { id, secret } = await register()
  t.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/)
  t.ok(Buffer.from(secret.slice('whsec_'.length), 'base64').length >= 24, '24+ random bytes')

  const list = await app.inject({ url: '/v1/admin/webhooks', headers: operator })
  t.equal(list.statusCode, 200)
  t.ok(list.json().items.some((e: { id: string }) => e.id === id))
  const one = await app.inject({ url: `/v1/admin/webhooks/${id}`, headers: operator })
  t.match(one.json(), { id, url: receiver.url, events: ['notification.created', 'delivery.failed'], description: 'ops dashboard', enabled: true, disabledReason: null })
  t.notMatch(list.body + one.body, secret.slice(6), 'GET never shows the secret')

  const rotated = await app.inject({ method: 'POST', url: `/v1/admin/webhooks/${id}/rotate-secret`, headers: operator })
  t.equal(rotated.statusCode, 200)
  t.not(rotated.json().secret, secret)
  t.ok(Date.parse(rotated.json().previousSecretExpiresAt) > Date.now() + 23 * 3_600_000, 'old secret valid for 24 h')
  t.notMatch(logs.text, secret.slice(6), 'secrets never logged')
  t.notMatch(logs.text, rotated.json().secret.slice(6), 'rotated secret never logged')

  t.equal((await app.inject({ method: 'DELETE', url: `/v1/admin/webhooks/${id}`, headers: operator })).statusCode, 204)
  t.equal((await app.inject({ url: `/v1/admin/webhooks/${id}`, headers: operator })).statusCode, 404)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/admin/webhooks/${id}`, headers: operator })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: `/v1/admin/webhooks/nope/rotate-secret`, headers: operator })).statusCode, 404)
})

t.test('bad registrations get a 4xx with the reason', async (t) => {
  const post = (payload: object, headers = operator) => app.inject({ method: 'POST', url: '/v1/admin/webhooks', headers, payload })
  t.equal((await post({ url: receiver.url, events: ['notification.created'] }, auth(app, 'u-1'))).statusCode, 403, 'role needed')
  const unknownEvent = await post({ url: receiver.url, events: ['booking.exploded'] })
  t.equal(unknownEvent.statusCode, 400)
  t.match(unknownEvent.json().message, /events/)
  t.equal((await post({ url: receiver.url, events: [] })).statusCode, 400, 'at least one event')
  const ftp = await post({ url: 'ftp://example.com/x', events: ['delivery.sent'] })
  t.equal(ftp.statusCode, 400)
  t.match(ftp.json().message, /http or https/)
  t.equal((await post({ url: 'not a url', events: ['delivery.sent'] })).statusCode, 400)
  t.equal((await post({ url: 'https://user:pw@example.com/', events: ['delivery.sent'] })).statusCode, 400, 'no credentials in the URL')
})

t.test('every call verifies with the standardwebhooks package; payload is {type, timestamp, data}', async (t) => {
  const endpoint = await register()
  receiver.secrets = [endpoint.secret]
  const before = receiver.calls.length
  const j = job(endpoint.id, { notificationId: 'n-1', userId: 'u-42' })
  t.same(await channel.send(j, signal), { kind: 'sent' })
  const call = receiver.calls[before]
  t.same(call?.verifiedBy, [0], 'signature verifies')
  t.equal(call?.headers['webhook-id'], j.id)
  t.match(JSON.parse(call?.body ?? '{}'), { type: 'notification.created', timestamp: String, data: { notificationId: 'n-1', userId: 'u-42' } })
})

t.test('an endpoint that fails then recovers gets every event once, with the same webhook-id on retries', async (t) => {
  const endpoint = await register()
  receiver.secrets = [endpoint.secret]
  const start = receiver.calls.length
  // The first two calls of every event fail: a 500, then a 503 with Retry-After.
  const seenPerId = new Map<string, number>()
  receiver.answer = (call) => {
    const id = String(call.headers['webhook-id'])
    const n = (seenPerId.get(id) ?? 0) + 1
    seenPerId.set(id, n)
    if (n === 1) return { status: 500 }
    if (n === 2) return { status: 503, headers: { 'retry-after': '7' } }
    return { status: 200 }
  }
  t.teardown(() => (receiver.answer = () => ({ status: 204 })))

  const jobs = [job(endpoint.id), job(endpoint.id), job(endpoint.id)]
  for (const j of jobs) {
    // What the pipeline does: send, and on 'retry' send the same delivery again later.
    const outcomes = []
    for (let attempt = 1; attempt <= 8; attempt++) {
      const outcome = await channel.send({ ...j, attempts: attempt }, signal)
      outcomes.push(outcome)
      if (outcome.kind !== 'retry') break
    }
    t.same(
      outcomes.map((o) => o.kind),
      ['retry', 'retry', 'sent'],
    )
    t.match(outcomes[0], { error: /answered 500/ })
    t.match(outcomes[1], { retryAfterMs: 7000 }, 'Retry-After honoured')
  }
  const calls = receiver.calls.slice(start)
  t.equal(calls.length, 9)
  t.ok(calls.every((c) => c.verifiedBy.length === 1), 'every call verifies')
  const accepted = calls.filter((_, i) => i % 3 === 2).map((c) => c.headers['webhook-id'])
  t.same(accepted.sort(), jobs.map((j) => j.id).sort(), 'each event accepted exactly once')
  for (const j of jobs) t.equal(calls.filter((c) => c.headers['webhook-id'] === j.id).length, 3, 'same webhook-id on each retry')
  const row = (await app.inject({ url: `/v1/admin/webhooks/${endpoint.id}`, headers: operator })).json()
  t.equal(row.failingSince, null, 'a success clears the failing streak')
  t.type(row.lastSuccessAt, 'string')
})

t.test('rotation: calls carry two signatures and both the old and the new secret verify', async (t) => {
  const endpoint = await register()
  const rotated = (await app.inject({ method: 'POST', url: `/v1/admin/webhooks/${endpoint.id}/rotate-secret`, headers: operator })).json()
  receiver.secrets = [endpoint.secret, rotated.secret]
  const start = receiver.calls.length
  t.same(await channel.send(job(endpoint.id), signal), { kind: 'sent' })
  const call = receiver.calls[start]
  t.equal(String(call?.headers['webhook-signature']).split(' ').length, 2)
  t.same(call?.verifiedBy, [0, 1], 'old and new secret both verify')

  // After the 24 h the old secret no longer signs.
  await app.db.updateTable('webhook_endpoints').set({ previous_secret_expires_at: new Date(Date.now() - 1000) }).where('id', '=', endpoint.id).execute()
  t.same(await channel.send(job(endpoint.id), signal), { kind: 'sent' })
  t.same(receiver.calls[start + 1]?.verifiedBy, [1], 'only the new secret after the overlap')
})

t.test('410 disables the endpoint; operators see why; later deliveries fail at once', async (t) => {
  const endpoint = await register()
  receiver.answer = () => ({ status: 410 })
  t.teardown(() => (receiver.answer = () => ({ status: 204 })))
  const j = job(endpoint.id)
  const outcome = await channel.send(j, signal)
  t.match(outcome, { kind: 'gone', error: /410/ })
  await channel.onGone?.(j)
  const row = (await app.inject({ url: `/v1/admin/webhooks/${endpoint.id}`, headers: operator })).json()
  t.match(row, { enabled: false, disabledReason: /410 Gone/, disabledAt: String })
  t.same(await endpointsFor(app.db, 'notification.created').then((e) => e.some((x) => x.id === endpoint.id)), false, 'no longer planned')
  const calls = receiver.calls.length
  t.match(await channel.send(job(endpoint.id), signal), { kind: 'failed', error: /disabled/ })
  t.equal(receiver.calls.length, calls, 'a disabled endpoint is not called')
})

t.test('an endpoint failing for 5 days is disabled, with the reason on GET', async (t) => {
  const endpoint = await register()
  receiver.answer = () => ({ status: 500 })
  t.teardown(() => (receiver.answer = () => ({ status: 204 })))
  t.match(await channel.send(job(endpoint.id), signal), { kind: 'retry' }, 'a fresh failure is retried')
  await app.db.updateTable('webhook_endpoints').set({ failing_since: new Date(Date.now() - 5 * 24 * 3_600_000 - 60_000) }).where('id', '=', endpoint.id).execute()
  t.match(await channel.send(job(endpoint.id), signal), { kind: 'failed', error: /disabled/ })
  const row = (await app.inject({ url: `/v1/admin/webhooks/${endpoint.id}`, headers: operator })).json()
  t.match(row, { enabled: false, disabledReason: /over 5 days.*answered 500/ })
})

t.test('an endpoint that does not answer in time is retried', async (t) => {
  const endpoint = await register()
  receiver.answer = () => ({ status: 200, delayMs: 3_000 })
  t.teardown(() => (receiver.answer = () => ({ status: 204 })))
  const impatient = createWebhookChannel({ config: app.config, db: app.db, log: app.log, timeoutMs: 300 })
  t.match(await impatient.send(job(endpoint.id), signal), { kind: 'retry', error: 'no answer within 0.3 s' })
  const stopping = new AbortController()
  const pending = impatient.send(job(endpoint.id), stopping.signal)
  stopping.abort()
  t.match(await pending, { kind: 'retry', error: /stopped/ }, 'shutting down is not counted against the endpoint')
})

t.test('a payload over 20 kB is refused, not sent', async (t) => {
  const endpoint = await register()
  const calls = receiver.calls.length
  t.match(await channel.send(job(endpoint.id, { blob: 'x'.repeat(21 * 1024) }), signal), { kind: 'failed', error: /limit/ })
  t.equal(receiver.calls.length, calls)
})

t.test('retries follow the Standard Webhooks schedule with jitter, then give up', async (t) => {
  t.same(WEBHOOK_RETRY_SCHEDULE_MS, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
  t.equal(webhookRetryDelayMs(1, () => 0.5), 5_000)
  t.equal(webhookRetryDelayMs(7, () => 0.5), 36_000_000)
  t.equal(webhookRetryDelayMs(2, () => 0), 270_000, '-10 %')
  t.equal(webhookRetryDelayMs(2, () => 1), 330_000, '+10 %')
  t.equal(webhookRetryDelayMs(8), undefined, 'eight attempts, then final')
  t.equal(channel.retryDelayMs?.(8), undefined)
})

t.test('planning: one delivery per enabled endpoint subscribed to the type', async (t) => {
  const a = await register(['delivery.sent'])
  const b = await register(['delivery.sent', 'delivery.failed'])
  await register(['delivery.failed'])
  const endpoints = await endpointsFor(app.db, 'delivery.sent')
  const planned = planWebhookDeliveries(endpoints, webhookMessage('delivery.sent', { deliveryId: 'd-1' }))
  t.same(planned.map((p) => p.destination).sort(), [a.id, b.id].sort())
})

t.test('SSRF: with production settings, internal addresses are refused at send time and at registration', async (t) => {
  for (const address of ['127.0.0.1', '10.1.2.3', '192.168.0.1', '169.254.169.254', '100.100.100.200', '::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '0.0.0.0']) {
    t.equal(isPublicAddress(address), false, `${address} is not public`)
  }
  t.equal(isPublicAddress('93.184.216.34'), true)
  const production = { blockPrivateAddresses: true, allowedHosts: [] }
  await t.rejects(resolveWebhookTarget('localhost', production), /loopback/, 'a name that resolves to loopback')
  await t.rejects(resolveWebhookTarget('169.254.169.254', production), /linkLocal/, 'the metadata address')
  t.match(await resolveWebhookTarget('127.0.0.1', { blockPrivateAddresses: true, allowedHosts: ['127.0.0.0/8'] }), { address: '127.0.0.1' }, 'a CIDR in the allow-list')

  const endpoint = await register()
  receiver.secrets = [endpoint.secret]
  const guarded = createWebhookChannel({ config: { ...app.config, webhooks: production }, db: app.db, log: app.log })
  const calls = receiver.calls.length
  t.match(await guarded.send(job(endpoint.id), signal), { kind: 'failed', error: /127\.0\.0\.1.*loopback/ })
  t.equal(receiver.calls.length, calls, 'no connection made')
  const allowed = createWebhookChannel({ config: { ...app.config, webhooks: { blockPrivateAddresses: true, allowedHosts: ['127.0.0.1'] } }, db: app.db, log: app.log })
  t.same(await allowed.send(job(endpoint.id), signal), { kind: 'sent' }, 'an allow-listed host is reached')

  // The registration check, with the settings NODE_ENV=production gives.
  const config = testConfig({ DATABASE_URL: databaseUrl })
  t.equal(loadConfig({ NODE_ENV: 'production', DATABASE_URL: databaseUrl, SMTP_URL: 'smtp://127.0.0.1:25', JWT_SECRET }).webhooks.blockPrivateAddresses, true)
  const prodApp = await buildApp({ ...config, webhooks: production }, { startWorkers: false, migrate: false, logger: { level: 'silent' } })
  t.teardown(() => prodApp.close())
  const res = await prodApp.inject({ method: 'POST', url: '/v1/admin/webhooks', headers: auth(prodApp, 'ops-1', ['notifications:admin']), payload: { url: 'http://169.254.169.254/latest/meta-data', events: ['delivery.sent'] } })
  t.equal(res.statusCode, 400)
  t.match(res.json().message, /169\.254\.169\.254.*linkLocal.*WEBHOOK_ALLOWED_HOSTS/)
})

t.test('WEBHOOK_ALLOWED_HOSTS: a bad entry stops the start with one line naming it', async (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'test', JWT_SECRET, WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com, not a host!' }), new ConfigError('Invalid configuration: WEBHOOK_ALLOWED_HOSTS must list host names, addresses or CIDR ranges separated by commas (got "not a host!")'))
  t.same(loadConfig({ NODE_ENV: 'test', JWT_SECRET, WEBHOOK_ALLOWED_HOSTS: 'Hooks.Example.com,10.0.0.0/8' }).webhooks.allowedHosts, ['hooks.example.com', '10.0.0.0/8'])
})
