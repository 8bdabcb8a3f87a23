import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import t from 'tap'
import { auth, build, createTestDatabase, token, waitFor } from './helpers/app.js'
import { bookingCreated } from './helpers/events.js'
import { SseClient } from './helpers/sse-client.js'

const databaseUrl = await createTestDatabase(t)
// Two instances of the service on one database, as two replicas behind a load balancer.
const a = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false })
const b = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false, migrate: false })
await b.app.listen({ port: 0, host: '127.0.0.1' })
const streamUrl = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}/v1/notifications/stream`
await waitFor(() => a.app.notificationListener.connected && b.app.notificationListener.connected, { what: 'listeners' })

const publish = (userId: string, title: string) =>
  a.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: auth(a.app, 'booking-service', ['events:publish']),
    payload: bookingCreated({ user: { id: userId, email: `${userId}@example.com`, name: userId }, admins: [], booking: { title } }),
  })

t.test('a notification committed on instance A arrives on a stream held by instance B', async (t) => {
  const stream = await SseClient.open(streamUrl, { authorization: `Bearer ${token(b.app, 'sse-user')}` })
  t.teardown(() => stream.close())
  t.equal(stream.status, 200)
  t.match(stream.headers['content-type'], /^text\/event-stream/)
  t.same(await stream.next((f) => f.event === 'unread-count').then((f) => JSON.parse(f.data!)), { count: 0, unseenCount: 0 }, 'the current counts first')

  await publish('sse-user', 'Live one')
  await publish('someone-else', 'Not for this stream')
  const frame = await stream.next((f) => f.event === 'notification')
  const notification = JSON.parse(frame.data!)
  t.match(notification, { id: String, type: 'booking_confirmed', title: 'Booking confirmed: Live one', readAt: null })
  const count = await stream.next((f) => f.event === 'unread-count' && JSON.parse(f.data!).count === 1)
  t.ok(count, 'and the new unread count')

  // Marking it read on instance A updates the count on instance B's stream.
  await a.app.inject({ method: 'POST', url: `/v1/notifications/${notification.id}/read`, headers: auth(a.app, 'sse-user') })
  await stream.next((f) => f.event === 'unread-count' && JSON.parse(f.data!).count === 0, { from: stream.frames.indexOf(count) + 1 })
  t.same(stream.events('notification').map((n) => (n as { title: string }).title), ['Booking confirmed: Live one'], "another user's notification never reaches this stream")
})

t.test('a statement too large to name its users reaches the streams it concerns, and only those', async (t) => {
  const open = async (user: string) => {
    const stream = await SseClient.open(streamUrl, { authorization: `Bearer ${token(b.app, user)}` })
    t.teardown(() => stream.close())
    await stream.next((f) => f.event === 'unread-count')
    return stream
  }
  const concerned = await open('wide-7')
  const bystander = await open('wide-bystander')
  // One INSERT for 1,000 users: their names do not fit in a NOTIFY, so B reads them from the log.
  await sql`INSERT INTO notifications (user_id, type, title, body, data, event_source, event_id)
    SELECT 'wide-' || i, 'welcome', 'Wide ' || i, 'b', '{}', '/test', 'wide-' || i FROM generate_series(1, 1000) i`.execute(a.app.db)
  const frame = await concerned.next((f) => f.event === 'notification')
  t.match(JSON.parse(frame.data!), { title: 'Wide 7' }, "the concerned stream gets its user's notification")
  await concerned.next((f) => f.event === 'unread-count' && JSON.parse(f.data!).count === 1, { from: concerned.frames.indexOf(frame) + 1 })
  // A later change of the bystander's own: frames on one stream arrive in order, so anything
  // the wide statement sent the bystander has arrived before it.
  await sql`INSERT INTO notifications (user_id, type, title, body, data, event_source, event_id)
    VALUES ('wide-bystander', 'welcome', 'Own', 'b', '{}', '/test', 'wide-bystander')`.execute(a.app.db)
  await bystander.next((f) => f.event === 'unread-count' && JSON.parse(f.data!).count === 1)
  t.same(
    bystander.frames.filter((f) => f.event !== undefined).map((f) => [f.event, JSON.parse(f.data!).count ?? JSON.parse(f.data!).title]),
    [['unread-count', 0], ['notification', 'Own'], ['unread-count', 1]],
    'a stream whose user the wide statement did not touch got nothing from it',
  )
})

t.test('heartbeats keep the stream alive', async (t) => {
  const stream = await SseClient.open(streamUrl, { authorization: `Bearer ${token(b.app, 'quiet-user')}` })
  t.teardown(() => stream.close())
  await stream.next((f) => f.comment?.startsWith('heartbeat') ?? false, { timeout: 2_000 })
  t.pass('a heartbeat comment arrived')
})

t.test('EventSource style: ?access_token= works, and never reaches a log line', async (t) => {
  const secretToken = token(b.app, 'browser-user')
  const stream = await SseClient.open(`${streamUrl}?access_token=${secretToken}`)
  t.teardown(() => stream.close())
  t.equal(stream.status, 200)
  await stream.next((f) => f.event === 'unread-count')
  t.notMatch(b.logs.text, secretToken, 'the token is not logged')
  t.match(b.logs.text, /access_token=\[REDACTED\]/, 'the URL is logged with the token redacted')
  const bad = await SseClient.open(`${streamUrl}?access_token=nope`)
  t.equal(bad.status, 401)
  bad.close()
})

t.test('a client that goes away is cleaned up', async (t) => {
  await waitFor(() => b.app.liveHub.size === 0, { what: 'earlier streams to close' })
  const before = 0
  const stream = await SseClient.open(streamUrl, { authorization: `Bearer ${token(b.app, 'leaving-user')}` })
  await stream.next((f) => f.event === 'unread-count')
  t.equal(b.app.liveHub.size, before + 1)
  stream.close()
  await waitFor(() => b.app.liveHub.size === before, { what: 'the stream to be dropped' })
  t.match((await b.app.inject({ url: '/metrics' })).body, new RegExp(`bookit_sse_streams ${before}\\b`))
})

t.test('shutting down closes open streams', async (t) => {
  const c = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false, migrate: false })
  await c.app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(c.app.server.address() as AddressInfo).port}/v1/notifications/stream`
  const stream = await SseClient.open(url, { authorization: `Bearer ${token(c.app, 'u-shutdown')}` })
  await stream.next((f) => f.event === 'unread-count')
  const started = Date.now()
  await c.app.close()
  await waitFor(() => stream.ended, { what: 'the stream to end', timeout: 5_000 })
  t.ok(Date.now() - started < 5_000, 'close does not hang on the open stream')
})

/** Reads served from an instance's memory, as its metrics count them. */
const cacheHits = async (app: typeof a.app) => (await app.metrics.readCacheLookups.get()).values.filter((v) => v.labels.result === 'hit').reduce((n, v) => n + v.value, 0)

t.test('cached unread counts stay exact across instances', async (t) => {
  const user = 'count-user'
  const countOn = async (app: typeof a.app) => (await app.inject({ url: '/v1/notifications/unread-count', headers: auth(app, user) })).json().count as number
  t.equal(await countOn(a.app), 0)
  t.equal(await countOn(b.app), 0)
  const hitsBefore = await cacheHits(b.app)
  t.equal(await countOn(b.app), 0)
  t.equal(await cacheHits(b.app), hitsBefore + 1, 'a second read is served from memory')
  const listOn = async (app: typeof a.app) => (await app.inject({ url: '/v1/notifications?limit=5', headers: auth(app, user) })).json()
  t.same((await listOn(b.app)).items, [], 'an empty first page, now cached on B')

  // A write on A: A answers exactly at once; B as soon as the commit's NOTIFY arrives.
  await publish(user, 'Counted')
  t.equal(await countOn(a.app), 1, 'the instance that committed is exact at once')
  await waitFor(async () => (await countOn(b.app)) === 1, { what: 'B to drop its cached count', timeout: 5_000 })
  const list = await waitFor(async () => {
    const page = await listOn(b.app)
    return page.items.length === 1 && page
  }, { what: "B's cached first page to be dropped", timeout: 5_000 })
  t.match(list, { items: [{ title: 'Booking confirmed: Counted', readAt: null }], unreadCount: 1 }, 'the first page and the count follow the change')

  // Read on B: B is exact at once, A follows.
  await b.app.inject({ method: 'POST', url: '/v1/notifications/read-all', headers: auth(b.app, user) })
  t.equal(await countOn(b.app), 0)
  t.not((await listOn(b.app)).items[0].readAt, null, "B's page shows it read at once")
  await waitFor(async () => (await countOn(a.app)) === 0, { what: 'A to drop its cached count', timeout: 5_000 })

  // No listener, no cache: a count is never served from memory while changes could be missed.
  const c = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false, migrate: false, startWorkers: false })
  await countOn(c.app)
  await countOn(c.app)
  t.equal(await cacheHits(c.app), 0, 'without a live listener every read goes to the database')
})

t.test('the LISTEN connection lost: cached counts are dropped, so a change missed meanwhile still shows', async (t) => {
  const user = 'gap-user'
  const countOn = async () => (await b.app.inject({ url: '/v1/notifications/unread-count', headers: auth(b.app, user) })).json().count as number
  t.equal(await countOn(), 0)
  t.equal(await countOn(), 0, 'cached on B')

  // The database ends the listeners' sessions (as a restart would)...
  await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'bookit-notifications-listener'`.execute(a.app.db)
  // ...and a change lands whose NOTIFY nobody hears: written here with no NOTIFY at all.
  await a.app.db
    .insertInto('notifications')
    .values({ user_id: user, type: 'welcome', title: 'Missed', body: 'b', data: JSON.stringify({}), event_source: '/test', event_id: 'gap-1' } as never)
    .execute()

  await waitFor(() => !b.app.notificationListener.connected, { what: 'B to notice', timeout: 5_000 }).catch(() => undefined)
  await waitFor(() => b.app.notificationListener.connected, { what: 'the listener to be back', timeout: 10_000 })
  t.equal(await countOn(), 1, 'after reconnecting, B counts the missed change')
  t.equal(await countOn(), 1, 'and keeps counting it')
})
