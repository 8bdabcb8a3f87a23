import { Compile } from 'typebox/compile'
import t from 'tap'
import { NOTIFICATION_DATA } from '../src/schemas/notification.js'
import type { NotificationType } from '../src/domain/notification-types.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { type Person, bookingCancelled, bookingCreated, userCreated } from './helpers/events.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

const databaseUrl = await createTestDatabase(t)
const { app } = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false })
const publisher = auth(app, 'booking-service', ['events:publish'])
const person = (id: string): Person => ({ id, email: `${id}@example.com`, name: id })
const as = (userId: string) => auth(app, userId)

async function ingest(events: object[]) {
  const response = await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: events })
  if (response.statusCode !== 202) throw new Error(response.body)
}
type Item = { id: string; type: string; category: string; url: string; data: Record<string, unknown>; readAt: string | null; seenAt: string | null; archivedAt: string | null }
type Page = { items: Item[]; nextCursor: string | null; unreadCount: number; unseenCount: number }
const list = async (userId: string, query = '') => (await app.inject({ url: `/v1/notifications${query}`, headers: as(userId) })).json<Page>()

t.test('every notification has category, url, seenAt, archivedAt, and data of its type', async (t) => {
  await ingest([userCreated(person('ivy')), bookingCreated({ user: person('ivy'), admins: [person('ivy-admin')], booking: { id: 'b-7' } }), bookingCancelled({ user: person('ivy'), admins: [], booking: { id: 'b-8' } })])
  const page = await list('ivy')
  t.same(
    page.items.map((n) => [n.type, n.category, n.url]).sort(),
    [
      ['booking_cancelled', 'booking', '/bookings/b-8'],
      ['booking_confirmed', 'booking', '/bookings/b-7'],
      ['welcome', 'account', '/account'],
    ],
  )
  t.ok(page.items.every((n) => n.seenAt === null && n.archivedAt === null))
  const admin = await list('ivy-admin')
  t.match(admin.items, [{ type: 'hall_booking_created', category: 'booking', url: '/bookings/b-7' }])
  // The per-type schemas in the API description say what the domain really writes.
  for (const n of [...page.items, ...admin.items]) {
    const check = Compile(NOTIFICATION_DATA[n.type as NotificationType])
    t.ok(check.Check(n.data), `data of ${n.type} matches its documented schema`)
  }
  t.same((await list('ivy', '?category=account')).items.map((n) => n.type), ['welcome'], 'category filter')
})

t.test('seen, seen-all and unseenCount; archive, unarchive and the archived filter', async (t) => {
  for (let i = 0; i < 4; i++) await ingest([bookingCreated({ user: person('sam'), admins: [] })])
  let page = await list('sam')
  t.equal(page.unseenCount, 4)
  const [a, b, c] = page.items
  const seen = await app.inject({ method: 'POST', url: '/v1/notifications/seen', headers: as('sam'), payload: { ids: [a!.id, b!.id, a!.id, 'nope'] } })
  t.same(seen.json(), { updated: 2 })
  t.match(await list('sam'), { unreadCount: 4, unseenCount: 2 }, 'seen is not read')

  const archived = await app.inject({ method: 'POST', url: `/v1/notifications/${c!.id}/archive`, headers: as('sam') })
  t.equal(archived.statusCode, 200)
  t.match(archived.json(), { id: c!.id, archivedAt: String })
  page = await list('sam')
  t.notOk(page.items.some((n) => n.id === c!.id), 'archived ones are left out by default')
  t.equal(page.unseenCount, 1, 'an archived one is not waiting to be seen')
  t.equal(page.unreadCount, 4, 'but it is still unread')
  t.same((await list('sam', '?archived=true')).items.map((n) => n.id), [c!.id])
  t.equal((await list('sam', '?archived=all')).items.length, 4)
  t.equal((await app.inject({ method: 'POST', url: `/v1/notifications/${c!.id}/archive`, headers: as('mallory') })).statusCode, 404, "someone else's: 404")

  const unarchived = await app.inject({ method: 'POST', url: `/v1/notifications/${c!.id}/unarchive`, headers: as('sam') })
  t.equal(unarchived.json().archivedAt, null)
  t.same((await app.inject({ method: 'POST', url: '/v1/notifications/seen-all', headers: as('sam') })).json(), { updated: 2 })
  t.equal((await list('sam')).unseenCount, 0)
})

t.test('forged cursors answer 400, never 500', async (t) => {
  const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const id = '00000000-0000-4000-8000-000000000000'
  for (const [label, cursor] of [
    ['a date out of range', forge(['+275760-09-13T00:00:00.000Z', id])],
    ['a year PostgreSQL refuses', forge(['0000-00-00T00:00:00.000Z', id])],
    ['"0"', forge(['0', id])],
    ['a bare "0"', '0'],
    ['a non-date', forge(['yesterday', id])],
    ['the 31st of February', forge(['2026-02-31T00:00:00.000Z', id])],
    ['not base64 at all', '%%%'],
  ]) {
    const response = await app.inject({ url: `/v1/notifications?cursor=${encodeURIComponent(cursor!)}`, headers: as('sam') })
    t.equal(response.statusCode, 400, `${label}: 400`)
    t.match(response.json(), { message: /cursor/ })
  }
})

t.test('export: every notification, as NDJSON or CSV, streamed', async (t) => {
  for (let i = 0; i < 3; i++) await ingest([bookingCreated({ user: person('exa'), admins: [], booking: { title: i === 0 ? '=cmd, "quoted"' : `Export ${i}` } })])
  const ndjson = await app.inject({ url: '/v1/notifications/export?format=ndjson', headers: as('exa') })
  t.equal(ndjson.statusCode, 200)
  t.match(ndjson.headers['content-type'], /^application\/x-ndjson/)
  const lines = ndjson.body.trim().split('\n').map((l) => JSON.parse(l))
  t.equal(lines.length, 3)
  t.match(lines[0], { id: String, category: 'booking', url: /^\/bookings\// })

  const csv = await app.inject({ url: '/v1/notifications/export?format=csv', headers: as('exa') })
  t.match(csv.headers['content-type'], /^text\/csv/)
  const rows = csv.body.trim().split('\r\n')
  t.equal(rows[0], 'id,type,category,title,body,url,createdAt,readAt,seenAt,archivedAt,data')
  t.equal(rows.length, 4)
  t.ok(rows.some((r) => r.includes('"Booking confirmed: =cmd, ""quoted"""')), 'quoted as RFC 4180 says')
  t.equal((await app.inject({ url: '/v1/notifications/export?format=xml', headers: as('exa') })).statusCode, 400)
  t.same((await app.inject({ url: '/v1/notifications/export', headers: as('nobody') })).body, '', 'nothing to export: an empty body')
})

t.test('export reads in keyset batches: more notifications than one batch, each once', async (t) => {
  // 1,200 rows written straight to the table (the trigger logs them like any other write).
  await app.db
    .insertInto('notifications')
    .values(Array.from({ length: 1_200 }, (_, i) => ({ user_id: 'bulk', type: 'welcome', title: `n${i}`, body: 'b', data: JSON.stringify({ userId: 'bulk' }), event_source: '/test', event_id: `bulk-${i}`, created_at: new Date(Date.UTC(2026, 0, 1) + i * 1000) })) as never)
    .execute()
  const response = await app.inject({ url: '/v1/notifications/export', headers: as('bulk') })
  const ids = response.body.trim().split('\n').map((l) => JSON.parse(l).id as string)
  t.equal(ids.length, 1_200)
  t.equal(new Set(ids).size, 1_200, 'no repeats across batches')
})

t.test('an event with 40 hall admins with long ids commits: no NOTIFY payload limit is reached', async (t) => {
  const admins = Array.from({ length: 40 }, (_, i) => person(`hall-admin-${String(i).padStart(2, '0')}-${'x'.repeat(185)}`))
  const response = await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: bookingCreated({ user: person('big-booker'), admins }) })
  t.equal(response.statusCode, 202, 'accepted (the ids alone are over 8000 bytes)')
  t.equal((await list(admins[39]!.id)).items.length, 1, 'every admin has the notification')
  // The instance's cached counts follow it too (the NOTIFY named no users: everything was dropped).
  t.equal((await app.inject({ url: '/v1/notifications/unread-count', headers: as(admins[0]!.id) })).json().count, 1)
})

t.test('CORS: the configured origins are answered, others are not', async (t) => {
  const preflight = (origin: string) => app.inject({ method: 'OPTIONS', url: '/v1/notifications', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
  const allowed = await preflight('http://localhost:5173')
  t.equal(allowed.statusCode, 204)
  t.equal(allowed.headers['access-control-allow-origin'], 'http://localhost:5173', 'APP_URL is allowed by default outside production')
  t.notOk(allowed.headers['access-control-allow-credentials'], 'no credentials mode: bearer tokens')
  const other = await preflight('https://evil.example')
  t.notOk(other.headers['access-control-allow-origin'], 'another origin gets no CORS header')

  const configured = await build(t, { DATABASE_URL: databaseUrl, CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' }, { sendEmails: false, migrate: false, startWorkers: false })
  const answer = await configured.app.inject({ url: '/health/live', headers: { origin: 'https://admin.example.com' } })
  t.equal(answer.headers['access-control-allow-origin'], 'https://admin.example.com')
})

t.test('the read cache holds at most its bound, and nothing past its TTL', async (t) => {
  const { ReadCache } = await import('../src/live/read-cache.js')
  const cache = new ReadCache({ db: app.db, listener: app.notificationListener, metrics: app.metrics, maxCounts: 3, maxPageUsers: 2, ttlMs: 300 })
  await waitFor(() => app.notificationListener.connected, { what: 'the listener' })
  for (const user of ['c1', 'c2', 'c3', 'c4', 'c5']) {
    await cache.counts(user)
    await cache.firstPageJson(user, { limit: 5, status: 'all', archived: 'false' })
  }
  t.match(cache.sizes, { counts: 3, pages: 2 }, 'bounded: the oldest entries went')
  const hits = async () => (await app.metrics.readCacheLookups.get()).values.filter((v) => v.labels.result === 'hit' && v.labels.kind === 'count').reduce((n, v) => n + v.value, 0)
  const before = await hits()
  await cache.counts('c5')
  t.equal(await hits(), before + 1, 'a fresh entry is served from memory')
  // Served from memory until the TTL has passed, then read again (a miss), even with no change.
  const missed = await waitFor(async () => {
    const hitsBefore = await hits()
    await cache.counts('c5')
    return (await hits()) === hitsBefore
  }, { what: 'the entry to go past its TTL', timeout: 10_000 })
  t.ok(missed, 'past the TTL it is read again')
})

t.test('the read cache keeps pages within a bound on their size, whatever each weighs', async (t) => {
  const { ReadCache } = await import('../src/live/read-cache.js')
  await waitFor(() => app.notificationListener.connected, { what: 'the listener' })
  const first = new ReadCache({ db: app.db, listener: app.notificationListener, metrics: app.metrics })
  const json = await first.firstPageJson('c1', { limit: 5, status: 'all', archived: 'false' })
  // Room for two pages of this size and a bit, not three.
  const cache = new ReadCache({ db: app.db, listener: app.notificationListener, metrics: app.metrics, maxPageChars: json.length * 2 + 10 })
  for (const user of ['c1', 'c2', 'c3', 'c4']) await cache.firstPageJson(user, { limit: 5, status: 'all', archived: 'false' })
  t.ok(cache.sizes.pages <= 2 && cache.sizes.pageChars <= json.length * 2 + 10, `within the bound: ${JSON.stringify(cache.sizes)}`)
  t.ok(cache.sizes.pages >= 1, 'the newest pages are kept')
  cache.invalidate(['c1', 'c2', 'c3', 'c4'])
  t.same(cache.sizes, { counts: 0, pages: 0, pageChars: 0 }, 'dropping pages gives their size back')
})

t.test('a database outage answers 503 on the notifications routes, then they recover', async (t) => {
  const proxy = new TcpProxy('127.0.0.1', 5432)
  await proxy.start()
  t.teardown(() => proxy.stop())
  const url = new URL(databaseUrl)
  url.host = `127.0.0.1:${proxy.port}`
  const cut = await build(t, { DATABASE_URL: url.toString() }, { sendEmails: false, migrate: false })
  const call = (method: 'GET' | 'POST', path: string) => cut.app.inject({ method, url: path, headers: auth(cut.app, 'outage-user') })
  t.equal((await call('GET', '/v1/notifications')).statusCode, 200)
  proxy.refuse()
  await waitFor(() => !cut.app.notificationListener.connected, { what: 'the listener to notice' })
  for (const [method, path] of [
    ['GET', '/v1/notifications'],
    ['GET', '/v1/notifications/unread-count'],
    ['POST', '/v1/notifications/read-all'],
    ['POST', '/v1/notifications/seen-all'],
    ['GET', '/v1/notifications/export'],
    ['POST', '/v1/notifications/stream-tickets'],
  ] as const) {
    const response = await call(method, path)
    t.equal(response.statusCode, 503, `${method} ${path}: 503`)
    t.match(response.json(), { statusCode: 503, error: 'Service Unavailable' })
  }
  proxy.accept()
  await waitFor(async () => (await call('GET', '/v1/notifications/unread-count')).statusCode === 200, { what: 'recovery', timeout: 20_000 })
})

t.test('the new settings: a bad value stops the start with one line naming it', async (t) => {
  const { loadConfig } = await import('../src/config.js')
  const base = { NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/bookit-config-check' }
  t.throws(() => loadConfig({ ...base, CORS_ORIGINS: 'app.example.com' }), /^Invalid configuration: CORS_ORIGINS must be comma-separated origins/)
  t.throws(() => loadConfig({ ...base, SSE_MAX_STREAMS_PER_USER: '0' }), /SSE_MAX_STREAMS_PER_USER must be between 1 and/)
  t.throws(() => loadConfig({ ...base, SSE_MAX_STREAMS: 'many' }), /SSE_MAX_STREAMS must be a whole number/)
  // Production refuses a guessable secret such as 'x' repeated: this one is random.
  t.same(loadConfig({ ...base, NODE_ENV: 'production', JWT_SECRET: 'q8Vn3rT0kZ2mW7yH5cJ1pL9sX4bF6dG0', DATABASE_URL: 'postgres://x/y', SMTP_URL: 'smtp://x' }).corsOrigins, [], 'production: no origins unless listed')
  t.match(loadConfig(base), { corsOrigins: ['http://localhost:5173'], sseMaxStreamsPerUser: 10, sseMaxStreams: 10_000 })
})
