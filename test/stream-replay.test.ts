import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import t from 'tap'
import { auth, build, createTestDatabase, token, waitFor } from './helpers/app.js'
import { bookingCreated } from './helpers/events.js'
import { type StreamEvent, EventStream } from './helpers/event-stream.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

const databaseUrl = await createTestDatabase(t)
// Two replicas on one database: writes on A, streams on B.
const a = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false })
const b = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false, migrate: false })
await b.app.listen({ port: 0, host: '127.0.0.1' })
const urlOf = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/notifications/stream`
const streamUrl = urlOf(b.app)
await waitFor(() => a.app.notificationListener.connected && b.app.notificationListener.connected, { what: 'listeners' })

const publish = async (userId: string, title: string) => {
  const response = await a.app.inject({ method: 'POST', url: '/v1/events', headers: auth(a.app, 'booking-service', ['events:publish']), payload: bookingCreated({ user: { id: userId, email: `${userId}@example.com`, name: userId }, admins: [], booking: { title } }) })
  if (response.statusCode !== 202) throw new Error(response.body)
}
const onA = (userId: string, method: 'POST' | 'DELETE', url: string) => a.app.inject({ method, url, headers: auth(a.app, userId) })
const open = (userId: string, headers: Record<string, string> = {}, url = streamUrl) => EventStream.open(url, { authorization: `Bearer ${token(b.app, userId)}`, ...headers })
const data = (e: StreamEvent) => JSON.parse(e.data ?? 'null')
const countIs = (count: number, unseenCount?: number) => (e: StreamEvent) => e.event === 'unread-count' && data(e).count === count && (unseenCount === undefined || data(e).unseenCount === unseenCount)

t.test('every event has an id; a second tab follows reads, seen, archive and deletes', async (t) => {
  const user = 'tabs'
  const stream = await open(user)
  t.teardown(() => stream.close())
  await stream.next(countIs(0, 0))
  await publish(user, 'One')
  await publish(user, 'Two')
  const two = data(await stream.next((e) => e.event === 'notification' && data(e).title.endsWith('Two')))
  const one = data(stream.events.find((e) => e.event === 'notification' && data(e).title.endsWith('One'))!)
  await stream.next(countIs(2, 2))

  await onA(user, 'POST', `/v1/notifications/${one.id}/read`)
  t.match(data(await stream.next((e) => e.event === 'notification-updated' && data(e).id === one.id && data(e).readAt !== null)), { id: one.id, readAt: String, seenAt: null, archivedAt: null })
  await stream.next(countIs(1, 2))
  await onA(user, 'POST', '/v1/notifications/seen-all')
  await stream.next(countIs(1, 0))
  await onA(user, 'POST', `/v1/notifications/${two.id}/archive`)
  t.match(data(await stream.next((e) => e.event === 'notification-updated' && data(e).archivedAt !== null)), { id: two.id, archivedAt: String })
  await onA(user, 'DELETE', `/v1/notifications/${one.id}`)
  t.same(data(await stream.next((e) => e.event === 'notification-deleted')), { id: one.id })
  await publish(user, 'Three')
  await stream.next((e) => e.event === 'notification' && data(e).title.endsWith('Three'))
  await onA(user, 'DELETE', '/v1/notifications')
  t.same(data(await stream.next((e) => e.event === 'notification-deleted' && data(e).all === true)), { all: true }, 'clear all: one event')
  await stream.next(countIs(0, 0))

  const frames = stream.events.filter((e) => e.event)
  t.ok(frames.every((e) => /^\d+\.\d+$/.test(e.id ?? '')), 'every event has an id: <seq>.<xmin>')
  const changeSeqs = frames.filter((e) => e.event !== 'unread-count').map((e) => Number(e.id!.split('.')[0]))
  t.same(changeSeqs, [...changeSeqs].sort((x, y) => x - y), 'their seqs grow')
})

t.test('Last-Event-ID replays what was missed, in order', async (t) => {
  const user = 'replayer'
  await publish(user, 'Before')
  const first = await open(user)
  const before = data(await first.next((e) => e.event === 'unread-count'))
  t.equal(before.count, 1)
  const lastId = first.events.filter((e) => e.id).at(-1)!.id!
  first.close()
  const [existing] = (await a.app.inject({ url: '/v1/notifications', headers: auth(a.app, user) })).json().items

  // While the client is away: a new one, a read, a delete.
  await publish(user, 'Missed')
  await onA(user, 'POST', `/v1/notifications/${existing.id}/read`)
  await onA(user, 'DELETE', `/v1/notifications/${existing.id}`)

  const again = await open(user, { 'last-event-id': lastId })
  t.teardown(() => again.close())
  await again.next((e) => e.event === 'unread-count')
  t.same(
    again.events.filter((e) => e.event).map((e) => e.event),
    ['notification', 'notification-deleted', 'unread-count'],
    'the missed notification and the delete, then the count (the read of a deleted one has nothing to show)',
  )
  t.match(data(again.events.find((e) => e.event === 'notification')!), { title: 'Booking confirmed: Missed' })
  t.same(data(again.events.find((e) => e.event === 'unread-count')!), { count: 1, unseenCount: 1 })
  t.notOk(again.events.some((e) => e.event === 'reset'))
})

t.test('a change committed after a later one is neither lost on reconnect nor live', async (t) => {
  const user = 'late-committer'
  const stays = await open(user)
  t.teardown(() => stays.close())
  const leaves = await open(user)
  t.teardown(() => leaves.close())
  await stays.next(countIs(0))
  await leaves.next(countIs(0))

  // Transaction A writes a notification (taking a seq) and stays open...
  const late = new pg.Client({ connectionString: databaseUrl })
  await late.connect()
  t.teardown(() => late.end())
  await late.query('BEGIN')
  await late.query(`INSERT INTO notifications (user_id, type, title, body, data, event_source, event_id) VALUES ($1, 'welcome', 'Late committer', 'b', '{}', '/test', 'late-1')`, [user])
  // ...a stream opened now starts past A's seq, with A still to come...
  const opensMeanwhile = await open(user)
  t.teardown(() => opensMeanwhile.close())
  await opensMeanwhile.next(countIs(0))
  // ...while B, with a higher seq, commits first.
  await publish(user, 'Committed first')
  const isB = (e: StreamEvent) => e.event === 'notification' && data(e).title === 'Booking confirmed: Committed first'
  const bFrame = await leaves.next(isB)
  const seqOf = (id: string | undefined) => Number(id!.split('.')[0])
  const { rows } = await late.query<{ seq: string }>(`SELECT seq FROM notification_changes WHERE user_id = $1 AND notification_id = (SELECT id FROM notifications WHERE event_id = 'late-1')`, [user])
  t.ok(seqOf(bFrame.id) > Number(rows[0]!.seq), `B's frame (id ${bFrame.id}) is past A's seq ${rows[0]!.seq}`)
  leaves.close()

  await late.query('COMMIT')
  const isA = (e: StreamEvent) => e.event === 'notification' && data(e).title === 'Late committer'
  await stays.next(isA)
  t.pass('a stream that stays gets A once it commits')
  await opensMeanwhile.next(isA)
  t.pass('so does one opened while A was open')
  await stays.next(countIs(2, 2))

  const back = await open(user, { 'last-event-id': bFrame.id! })
  t.teardown(() => back.close())
  await back.next(countIs(2, 2))
  t.ok(back.events.some(isA), "reconnecting with B's id replays A")
  t.notOk(back.events.some((e) => e.event === 'reset'), 'without a reset')
  const sent = stays.events.filter((e) => e.event === 'notification').map((e) => data(e).title)
  t.same(sent.filter((title: string) => title === 'Late committer'), ['Late committer'], 'the stream that stayed got A once')
  // A reconnect from the last id after A replays nothing (or, harmlessly, A and B again): never a reset.
  const last = stays.events.filter((e) => e.id).at(-1)!.id!
  const after = await open(user, { 'last-event-id': last })
  t.teardown(() => after.close())
  await after.next(countIs(2, 2))
  t.notOk(after.events.some((e) => e.event === 'reset'), `Last-Event-ID ${last} after A: no reset`)
})

t.test('a plain numeric Last-Event-ID from an older client replays the seqs after it', async (t) => {
  const user = 'older-client'
  await publish(user, 'Seen')
  const first = await open(user)
  await first.next(countIs(1))
  const seq = first.events.filter((e) => e.id).at(-1)!.id!.split('.')[0]!
  first.close()
  await publish(user, 'Missed by the older client')
  const again = await open(user, { 'last-event-id': seq })
  t.teardown(() => again.close())
  await again.next(countIs(2))
  t.same(again.events.filter((e) => e.event === 'notification').map((e) => data(e).title), ['Booking confirmed: Missed by the older client'])
})

t.test('reset when the missed changes cannot be replayed', async (t) => {
  const user = 'resetter'
  for (const lastEventId of ['not-a-number', '999999999999', '1.999999999999', '1.2.3']) {
    const stream = await open(user, { 'last-event-id': lastEventId })
    const reset = await stream.next((e) => e.event === 'reset')
    t.match(data(reset), { reason: /Last-Event-ID/ }, `Last-Event-ID ${lastEventId}: reset`)
    await stream.next((e) => e.event === 'unread-count')
    stream.close()
  }
  // Changes pruned past the client's id: it must refetch.
  await publish(user, 'Old')
  const stream = await open(user)
  await stream.next((e) => e.event === 'unread-count')
  const lastId = stream.events.filter((e) => e.id).at(-1)!.id!
  stream.close()
  await publish(user, 'Pruned away')
  await publish(user, 'Also pruned')
  await a.app.db.deleteFrom('notification_changes').where('seq', '<=', (await a.app.db.selectFrom('notification_changes').select((eb) => eb.fn.max('seq').as('max')).executeTakeFirstOrThrow()).max - 1).execute()
  const later = await open(user, { 'last-event-id': lastId })
  t.teardown(() => later.close())
  t.match(data(await later.next((e) => e.event === 'reset')), { reason: /no longer kept/ })
  t.notOk(later.events.some((e) => e.event === 'notification'), 'no partial replay')
})

t.test('stream tickets: issued on one replica, redeemed once on another', async (t) => {
  const issued = await a.app.inject({ method: 'POST', url: '/v1/notifications/stream-tickets', headers: auth(a.app, 'ticket-user') })
  t.equal(issued.statusCode, 200)
  const { ticket, expiresAt } = issued.json()
  t.ok(Date.parse(expiresAt) - Date.now() <= 60_000, 'valid for at most 60 s')
  const stream = await EventStream.open(`${streamUrl}?ticket=${ticket}`)
  t.teardown(() => stream.close())
  t.equal(stream.status, 200)
  await stream.next((e) => e.event === 'unread-count')
  await publish('ticket-user', 'Via ticket')
  await stream.next((e) => e.event === 'notification')
  const reused = await b.app.inject({ url: `/v1/notifications/stream?ticket=${ticket}` })
  t.equal(reused.statusCode, 401, 'a ticket works once')
  t.match(reused.json().message, /ticket/)
  t.equal((await b.app.inject({ url: '/v1/notifications/stream?ticket=made-up-ticket-000000000000' })).statusCode, 401)
  t.notMatch(b.logs.text, ticket, 'the ticket never reaches a log line')
})

t.test("the listener's connection cut: open streams get what they missed and a fresh count", async (t) => {
  const proxy = new TcpProxy('127.0.0.1', 5432)
  await proxy.start()
  t.teardown(() => proxy.stop())
  const url = new URL(databaseUrl)
  url.host = `127.0.0.1:${proxy.port}`
  const c = await build(t, { DATABASE_URL: url.toString() }, { sendEmails: false, migrate: false })
  await c.app.listen({ port: 0, host: '127.0.0.1' })
  await waitFor(() => c.app.notificationListener.connected, { what: "C's listener" })
  const user = 'cut-user'
  const stream = await open(user, {}, urlOf(c.app))
  t.teardown(() => stream.close())
  await stream.next(countIs(0))

  // Only the database side is cut: the client's stream stays open.
  proxy.refuse()
  await waitFor(() => !c.app.notificationListener.connected, { what: 'C to lose its listener' })
  await publish(user, 'During the gap')
  await onA(user, 'POST', '/v1/notifications/seen-all')
  const seenFrom = stream.events.length
  proxy.accept()
  await waitFor(() => c.app.notificationListener.connected, { what: 'the listener to return', timeout: 20_000 })
  t.match(data(await stream.next((e) => e.event === 'notification', { from: seenFrom })), { title: 'Booking confirmed: During the gap' }, 'the missed notification')
  await stream.next(countIs(1, 0), { from: seenFrom })
  t.comment('and a fresh count: 1 unread, 0 unseen')
})

t.test('the change log and stream tickets are pruned', async (t) => {
  const { pruneChangeLog } = await import('../src/live/change-log.js')
  for (let i = 0; i < 3; i++) await publish('aged-user', `Aged ${i}`)
  await a.app.db.updateTable('notification_changes').set({ changed_at: new Date(Date.now() - 25 * 3_600_000) }).where('user_id', '=', 'aged-user').execute()
  await a.app.db.insertInto('stream_tickets').values({ ticket_hash: 'expired-ticket', user_id: 'u', token_expires_at: new Date(), expires_at: new Date(Date.now() - 1_000) }).execute()
  const left = await a.app.db.selectFrom('notification_changes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  const pruned = await pruneChangeLog(a.app.db, 2)
  t.ok(pruned > 0, `${pruned} changes older than the replay window deleted, in batches of 2`)
  const after = await a.app.db.selectFrom('notification_changes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(Number(after.n), Number(left.n) - pruned, 'only those')
  t.equal(pruned, 3, "the aged user's three")
  t.equal((await a.app.db.selectFrom('notification_changes').select('seq').where('user_id', '=', 'aged-user').execute()).length, 0)
  t.equal((await a.app.db.selectFrom('stream_tickets').select('ticket_hash').where('ticket_hash', '=', 'expired-ticket').execute()).length, 0, 'expired tickets deleted')
})
