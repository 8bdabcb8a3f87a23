import t from 'tap'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { userCreated } from './helpers/events.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

/**
 * The operator and preference routes, and a metrics scrape, while PostgreSQL cannot be
 * reached (a proxy that refuses, then accepts again): a 503 that says so, never a 500 or a
 * hang, and metrics that still answer. The notification routes are covered with the streams.
 */
const proxy = new TcpProxy('127.0.0.1', 5432)
await proxy.start()
t.teardown(() => proxy.stop())
const databaseUrl = new URL(await createTestDatabase(t))
databaseUrl.port = String(proxy.port)
const { app } = await build(t, { DATABASE_URL: databaseUrl.toString() }, { sendEmails: false })
const operator = auth(app, 'ops-1', ['notifications:admin'])
const user = auth(app, 'u-pref')

await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'user-service', ['events:publish']), payload: userCreated({ id: 'u-pref', email: 'pref@example.com', name: 'P' }) })
const [email] = (await app.inject({ url: '/v1/admin/emails', headers: operator })).json<{ items: { id: string }[] }>().items
const calls = [
  { name: 'GET /v1/admin/emails', method: 'GET', url: '/v1/admin/emails', headers: operator },
  { name: 'GET /v1/admin/deliveries', method: 'GET', url: '/v1/admin/deliveries', headers: operator },
  { name: 'POST /v1/admin/emails/{id}/retry', method: 'POST', url: `/v1/admin/emails/${email!.id}/retry`, headers: operator },
  { name: 'GET /v1/preferences', method: 'GET', url: '/v1/preferences', headers: user },
  { name: 'PUT /v1/preferences', method: 'PUT', url: '/v1/preferences', headers: user, payload: { booking_confirmed: { email: false } } },
] as const
const metricValue = (body: string, name: string) => new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1]

t.test('with the database up: the calls answer, and the scrape has the queue gauges', async (t) => {
  for (const call of calls.filter((c) => c.method === 'GET')) t.equal((await app.inject(call)).statusCode, 200, call.name)
  const body = (await app.inject({ url: '/metrics' })).body
  t.equal(metricValue(body, 'bookit_metrics_database_readable'), '1')
  t.equal(metricValue(body, 'bookit_emails_pending'), '1', 'the welcome email waits')
})

t.test('with the database unreachable: 503 with a message, and a scrape that still answers', async (t) => {
  proxy.refuse()
  for (const call of calls) {
    const response = await app.inject(call)
    t.equal(response.statusCode, 503, `${call.name}: 503`)
    t.same(response.json(), { statusCode: 503, error: 'Service Unavailable', message: 'the database is unavailable; try again shortly' }, `${call.name}: says why, in the usual error shape`)
  }
  const scrape = await app.inject({ url: '/metrics' })
  t.equal(scrape.statusCode, 200, 'the scrape answers')
  t.ok(Number(metricValue(scrape.body, 'process_cpu_user_seconds_total')) > 0, 'with process metrics')
  t.equal(metricValue(scrape.body, 'bookit_metrics_database_readable'), '0', 'saying the database could not be read')
  t.notMatch(scrape.body, /^(bookit_emails_pending|bookit_email_oldest_pending_age_seconds|bookit_deliveries_pending|bookit_delivery_oldest_pending_age_seconds|bookit_delivery_claims_orphaned)\b/m, 'and leaving out the gauges read from it, rather than showing them stale')
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200, 'alive')
})

t.test('the database back: the same calls answer again, and the gauges return', async (t) => {
  proxy.accept()
  await waitFor(async () => (await app.inject(calls[3])).statusCode === 200, { what: 'preferences to answer again' })
  for (const call of calls.filter((c) => c.method === 'GET')) t.equal((await app.inject(call)).statusCode, 200, call.name)
  const body = (await app.inject({ url: '/metrics' })).body
  t.equal(metricValue(body, 'bookit_metrics_database_readable'), '1')
  t.equal(metricValue(body, 'bookit_emails_pending'), '1', 'the queue gauge is back')
  t.match(body, /^bookit_deliveries_pending\{channel="email"\} 1$/m, 'and the per-channel one')
})
