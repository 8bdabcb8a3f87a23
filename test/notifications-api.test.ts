import t from 'tap'
import { auth, build, createTestDatabase } from './helpers/app.js'
import { type Person, bookingCreated, userCreated } from './helpers/events.js'

const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false })
const publisher = auth(app, 'booking-service', ['events:publish'])

const person = (id: string): Person => ({ id, email: `${id}@example.com`, name: id })
async function ingest(events: object[]) {
  const response = await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: events })
  if (response.statusCode !== 202) throw new Error(response.body)
}
/** n booking confirmations for a user, committed one transaction each so their times differ. */
async function seed(userId: string, n: number) {
  for (let i = 0; i < n; i++) await ingest([bookingCreated({ user: person(userId), admins: [], booking: { title: `Booking ${i}` } })])
}
const as = (userId: string) => auth(app, userId)
type Page = { items: { id: string; title: string; readAt: string | null; type: string }[]; nextCursor: string | null; unreadCount: number }

await seed('alice', 5)
await seed('bob', 2)

t.test('list: newest first, with the exact unread count', async (t) => {
  const response = await app.inject({ url: '/v1/notifications', headers: as('alice') })
  t.equal(response.statusCode, 200)
  const page = response.json<Page>()
  t.same(page.items.map((n) => n.title), [4, 3, 2, 1, 0].map((i) => `Booking confirmed: Booking ${i}`))
  t.equal(page.unreadCount, 5)
  t.equal(page.nextCursor, null)
  t.match(page.items[0], { id: String, type: 'booking_confirmed', body: String, data: { bookingId: String, hallId: 'h-1' }, createdAt: String, readAt: null })
})

t.test('pagination neither skips nor repeats while new notifications arrive', async (t) => {
  await seed('carol', 7)
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const url: string = `/v1/notifications?limit=3${cursor ? `&cursor=${cursor}` : ''}`
    const page: Page = (await app.inject({ url, headers: as('carol') })).json()
    seen.push(...page.items.map((n) => n.id))
    cursor = page.nextCursor
    pages++
    if (pages === 1) await seed('carol', 2) // arrive between page 1 and page 2
  } while (cursor)
  t.equal(seen.length, 7, 'the 7 that existed when paging began, each once')
  t.equal(new Set(seen).size, 7, 'no repeats')
  const latest: Page = (await app.inject({ url: '/v1/notifications?limit=2', headers: as('carol') })).json()
  t.notOk(seen.includes(latest.items[0]!.id), 'the new ones are at the top of a fresh first page')
})

t.test('filters: status and type', async (t) => {
  const all: Page = (await app.inject({ url: '/v1/notifications', headers: as('alice') })).json()
  await app.inject({ method: 'POST', url: `/v1/notifications/${all.items[0]!.id}/read`, headers: as('alice') })
  const unread: Page = (await app.inject({ url: '/v1/notifications?status=unread', headers: as('alice') })).json()
  const read: Page = (await app.inject({ url: '/v1/notifications?status=read', headers: as('alice') })).json()
  t.equal(unread.items.length, 4)
  t.same(read.items.map((n) => n.id), [all.items[0]!.id])
  t.equal(read.unreadCount, 4, 'unreadCount is the total, whatever the filter')
  await ingest([userCreated(person('alice'))])
  const welcome: Page = (await app.inject({ url: '/v1/notifications?type=welcome', headers: as('alice') })).json()
  t.same(welcome.items.map((n) => n.type), ['welcome'])
})

t.test('unread count, read and unread one, bulk read, read all', async (t) => {
  const count = async () => (await app.inject({ url: '/v1/notifications/unread-count', headers: as('bob') })).json<{ count: number }>().count
  t.equal(await count(), 2)
  const [first, second] = (await app.inject({ url: '/v1/notifications', headers: as('bob') })).json<Page>().items

  const read = await app.inject({ method: 'POST', url: `/v1/notifications/${first!.id}/read`, headers: as('bob') })
  t.equal(read.statusCode, 200)
  t.match(read.json(), { id: first!.id, readAt: String })
  const again = await app.inject({ method: 'POST', url: `/v1/notifications/${first!.id}/read`, headers: as('bob') })
  t.equal(again.json().readAt, read.json().readAt, 'reading twice keeps the first time')
  t.equal(await count(), 1)

  const unread = await app.inject({ method: 'POST', url: `/v1/notifications/${first!.id}/unread`, headers: as('bob') })
  t.equal(unread.json().readAt, null)
  t.equal(await count(), 2)

  const bulk = await app.inject({ method: 'POST', url: '/v1/notifications/read', headers: as('bob'), payload: { ids: [first!.id, second!.id, first!.id, 'not-a-uuid'] } })
  t.same(bulk.json(), { updated: 2 })
  t.equal(await count(), 0)

  await seed('bob', 3)
  const all = await app.inject({ method: 'POST', url: '/v1/notifications/read-all', headers: as('bob') })
  t.same(all.json(), { updated: 3 })
  t.equal(await count(), 0)
})

t.test("someone else's notification answers 404, and bulk calls never touch it", async (t) => {
  const bobs = (await app.inject({ url: '/v1/notifications', headers: as('bob') })).json<Page>().items
  const target = bobs[0]!.id
  await app.inject({ method: 'POST', url: `/v1/notifications/${target}/unread`, headers: as('bob') })
  for (const [method, url] of [
    ['GET', `/v1/notifications/${target}`],
    ['POST', `/v1/notifications/${target}/read`],
    ['POST', `/v1/notifications/${target}/unread`],
    ['DELETE', `/v1/notifications/${target}`],
  ] as const) {
    const response = await app.inject({ method, url, headers: as('mallory') })
    t.equal(response.statusCode, 404, `${method} ${url.replace(target, '{id}')}`)
    t.match(response.json(), { statusCode: 404, error: 'Not Found', message: 'notification not found' })
  }
  const bulk = await app.inject({ method: 'POST', url: '/v1/notifications/read', headers: as('mallory'), payload: { ids: [target] } })
  t.same(bulk.json(), { updated: 0 })
  await app.inject({ method: 'POST', url: '/v1/notifications/read-all', headers: as('mallory') })
  await app.inject({ method: 'DELETE', url: '/v1/notifications', headers: as('mallory') })
  const still = await app.inject({ url: `/v1/notifications/${target}`, headers: as('bob') })
  t.equal(still.statusCode, 200, 'still there for its owner')
  t.equal(still.json().readAt, null, 'and still unread')
  t.equal((await app.inject({ url: '/v1/notifications/00000000-0000-4000-8000-000000000000', headers: as('bob') })).statusCode, 404, 'an unknown id: 404')
  t.equal((await app.inject({ url: '/v1/notifications/nonsense', headers: as('bob') })).statusCode, 404, 'a malformed id: 404, not 500')
})

t.test('delete one, clear all', async (t) => {
  await seed('dave', 3)
  const items = (await app.inject({ url: '/v1/notifications', headers: as('dave') })).json<Page>().items
  const one = await app.inject({ method: 'DELETE', url: `/v1/notifications/${items[0]!.id}`, headers: as('dave') })
  t.equal(one.statusCode, 204)
  t.equal(one.body, '')
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/notifications/${items[0]!.id}`, headers: as('dave') })).statusCode, 404, 'gone')
  const all = await app.inject({ method: 'DELETE', url: '/v1/notifications', headers: as('dave') })
  t.same(all.json(), { deleted: 2 })
  t.same((await app.inject({ url: '/v1/notifications', headers: as('dave') })).json(), { items: [], nextCursor: null, unreadCount: 0, unseenCount: 0 })
})

t.test('bad input answers 400 with a message, never 5xx', async (t) => {
  const cases: [string, string, unknown, RegExp][] = [
    ['GET', '/v1/notifications?limit=0', undefined, /limit must be >= 1/],
    ['GET', '/v1/notifications?limit=101', undefined, /limit must be <= 100/],
    ['GET', '/v1/notifications?limit=abc', undefined, /limit must be integer/],
    ['GET', '/v1/notifications?status=archived', undefined, /status/],
    ['GET', '/v1/notifications?type=promo', undefined, /type/],
    ['GET', '/v1/notifications?cursor=abc', undefined, /cursor is not a cursor this service issued/],
    ['GET', `/v1/notifications?cursor=${Buffer.from('["x","y"]').toString('base64url')}`, undefined, /cursor/],
    ['GET', '/v1/notifications?surprise=1', undefined, /must NOT have additional properties/],
    ['POST', '/v1/notifications/read', { ids: [] }, /ids must NOT have fewer than 1 items/],
    ['POST', '/v1/notifications/read', { ids: Array.from({ length: 501 }, (_, i) => `id-${i}`) }, /ids must NOT have more than 500 items/],
    ['POST', '/v1/notifications/read', { ids: 'one' }, /ids must be array/],
    ['POST', '/v1/notifications/read', '{"ids": [', /JSON/],
  ]
  for (const [method, url, payload, message] of cases) {
    const response = await app.inject({ method: method as 'GET', url, headers: { ...as('alice'), ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}) }, payload: payload as string })
    t.equal(response.statusCode, 400, `${method} ${url.slice(0, 60)}: 400`)
    t.match(response.json(), { statusCode: 400, error: 'Bad Request', message }, response.json().message)
  }
  const big = await app.inject({ method: 'POST', url: '/v1/notifications/read', headers: { ...as('alice'), 'content-type': 'application/json' }, payload: JSON.stringify({ ids: ['x'.repeat(2 * 1024 * 1024)] }) })
  t.equal(big.statusCode, 413, 'a body over the limit: 413')
  const unknownRoute = await app.inject({ url: '/v1/nothing-here', headers: as('alice') })
  t.equal(unknownRoute.statusCode, 404)
})

t.test('HTTP ingest: validation, arrays, duplicates', async (t) => {
  const event = bookingCreated({ user: person('erin'), admins: [] })
  const post = (payload: unknown, headers = {}) => app.inject({ method: 'POST', url: '/v1/events', headers: { ...publisher, ...headers }, payload: payload as object })
  t.same((await post([event, event])).json(), { accepted: 1, duplicates: 1 }, 'an array with the same event twice')
  t.same((await post(event)).json(), { accepted: 0, duplicates: 1 })
  const invalid = await post([bookingCreated(), { ...bookingCreated(), type: 'booking.moved' }])
  t.equal(invalid.statusCode, 400)
  t.match(invalid.json().message, /^events\[1\]: type: unknown event type "booking.moved"/, 'the reason names the event')
  const batch = await post(Array.from({ length: 501 }, () => bookingCreated()))
  t.match(batch.json(), { statusCode: 400, message: /at most 500 events/ })
  t.match((await post([])).json(), { statusCode: 400, message: /no events/ })
  const huge = await post(bookingCreated({ booking: { notes: 'x'.repeat(300 * 1024) } }))
  t.match(huge.json(), { statusCode: 400, message: /too large.*256 KiB/ })
  const text = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...publisher, 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(text.statusCode, 415, 'an unsupported content type: 415')
})
