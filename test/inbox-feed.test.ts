import t from 'tap'

/**
 * The inbox's stream reading and list keeping, without a browser: the SSE parser against
 * awkward chunking, every event of the contract's stream (including those the API adds
 * for issue 12), and how a list applies them.
 */

// By URL, so the server's type check does not take in browser code.
const load = (file: string) => import(new URL(`../client/src/${file}`, import.meta.url).href)
type Message = { event: string; data: string; id: string | undefined }
const { readEventStream } = (await load('event-stream.ts')) as {
  readEventStream: (body: ReadableStream<Uint8Array>, onMessage: (m: Message) => void, onActivity: () => void) => Promise<void>
}
const { toFeedEvents } = (await load('live-feed.ts')) as { toFeedEvents: (m: Message) => Record<string, unknown>[] }
type Item = { id: string; createdAt: string; readAt: string | null; archivedAt?: string | null; type: string; title: string }
const { NotificationList } = (await load('notification-list.ts')) as {
  NotificationList: new (
    api: unknown,
    filter: Record<string, string>,
    pageSize: number,
    changed: () => void,
    keepOnePage?: boolean,
  ) => { items: Item[]; nextCursor: string | null; reload(): Promise<void>; loadMore(): Promise<void>; apply(e: Record<string, unknown>): boolean }
}

async function parse(chunks: string[]): Promise<{ messages: Message[]; activity: number }> {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c))
      controller.close()
    },
  })
  const messages: Message[] = []
  let activity = 0
  await readEventStream(body, (m) => messages.push(m), () => activity++)
  return { messages, activity }
}

t.test('the SSE parser: frames split anywhere, CRLF, comments, ids, multi-line data', async (t) => {
  const text = 'retry: 3000\n\nid: 7\nevent: unread-count\ndata: {"count":2}\n\n: heartbeat\n\r\nevent: notification\r\ndata: {"id":"a",\r\ndata: "title":"x"}\r\n\r\ndata: plain\n\n'
  const whole = await parse([text])
  t.same(whole.messages, [
    { event: 'unread-count', data: '{"count":2}', id: '7' },
    { event: 'notification', data: '{"id":"a",\n"title":"x"}', id: undefined },
    { event: 'message', data: 'plain', id: undefined },
  ])
  // The same bytes one character at a time, and a multi-byte character split across chunks.
  const split = await parse(text.split(''))
  t.same(split.messages, whole.messages, 'chunk boundaries do not matter')
  t.ok(split.activity >= text.length, 'every chunk counts as a sign of life (heartbeats included)')
  const bytes = new TextEncoder().encode('data: {"title":"Buchung bestätigt"}\n\n')
  // Between the two bytes of "ä".
  const middle = bytes.indexOf(0xc3) + 1
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes.slice(0, middle))
      c.enqueue(bytes.slice(middle))
      c.close()
    },
  })
  const got: Message[] = []
  await readEventStream(body, (m) => got.push(m), () => undefined)
  t.equal(JSON.parse(got[0]!.data).title, 'Buchung bestätigt', 'a character split between chunks is decoded whole')
})

t.test('every event of the contract stream becomes a feed event', async (t) => {
  const m = (event: string, data: unknown, id?: string): Message => ({ event, data: typeof data === 'string' ? data : JSON.stringify(data), id })
  t.same(toFeedEvents(m('unread-count', { count: 3 })), [{ type: 'counts', unreadCount: 3 }])
  t.same(toFeedEvents(m('unread-count', { count: 3, unseenCount: 1 })), [{ type: 'counts', unreadCount: 3, unseenCount: 1 }])
  t.same(toFeedEvents(m('unseen-count', { count: 4 })), [{ type: 'counts', unseenCount: 4 }])
  t.same(toFeedEvents(m('notification', { id: 'n1', title: 'x' })), [{ type: 'notification', notification: { id: 'n1', title: 'x' } }])
  t.same(toFeedEvents(m('notification-updated', { id: 'n1', readAt: '2026-11-26T10:00:00Z', seenAt: null, archivedAt: null })), [
    { id: 'n1', readAt: '2026-11-26T10:00:00Z', seenAt: null, archivedAt: null, type: 'notification-updated' },
  ])
  t.same(toFeedEvents(m('notification-updated', { id: 'n1', type: 'booking_confirmed' }))[0]!.type, 'notification-updated', "a field named type in the data cannot change the event's kind")
  t.same(toFeedEvents(m('notification-deleted', { id: 'n1' })), [{ id: 'n1', type: 'notification-deleted' }])
  t.same(toFeedEvents(m('notification-deleted', { all: true })), [{ all: true, type: 'notification-deleted' }])
  t.same(toFeedEvents(m('reset', '')), [{ type: 'reset' }], 'reset: refetch')
  t.same(toFeedEvents(m('something-newer', { x: 1 })), [], 'an event this client does not know is ignored')
  t.same(toFeedEvents(m('notification', 'not json')), [], 'a broken frame is ignored, not thrown')
})

t.test('a list applies the feed: new on top once, updates, archive and delete, reset', async (t) => {
  const n = (id: string, minute: number, extra: Partial<Item> = {}): Item => ({ id, createdAt: `2026-11-26T10:${String(minute).padStart(2, '0')}:00.000Z`, readAt: null, type: 'booking_confirmed', title: id, ...extra })
  let pages = 0
  const api = { list: async () => (pages++, { items: [n('b', 2), n('a', 1)], nextCursor: null, unreadCount: 2 }) }
  const list = new NotificationList(api, { archived: 'false' }, 10, () => undefined, true)
  await list.reload()
  t.same(list.items.map((i) => i.id), ['b', 'a'])
  list.apply({ type: 'notification', notification: n('c', 3) })
  list.apply({ type: 'notification', notification: n('c', 3) })
  t.same(list.items.map((i) => i.id), ['c', 'b', 'a'], 'newest first, and a repeat is not added twice')
  list.apply({ type: 'notification-updated', id: 'b', readAt: '2026-11-26T11:00:00.000Z' })
  t.equal(list.items.find((i) => i.id === 'b')?.readAt, '2026-11-26T11:00:00.000Z')
  list.apply({ type: 'notification-updated', id: 'a', archivedAt: '2026-11-26T11:00:00.000Z' })
  t.same(list.items.map((i) => i.id), ['c', 'b'], 'archived leaves the inbox view')
  list.apply({ type: 'notification-deleted', id: 'c' })
  t.same(list.items.map((i) => i.id), ['b'])
  list.apply({ type: 'notification-deleted', all: true })
  t.same(list.items, [])
  list.apply({ type: 'reset' })
  await t.resolveMatch(new Promise((r) => setTimeout(() => r(pages), 50)), 2, 'reset refetches')

  const unread = new NotificationList(api, { status: 'unread' }, 10, () => undefined)
  await unread.reload()
  unread.apply({ type: 'notification', notification: n('r', 9, { readAt: '2026-11-26T11:00:00.000Z' }) })
  t.notOk(unread.items.some((i) => i.id === 'r'), 'an unread view does not take a read notification')
  unread.apply({ type: 'notification-updated', id: 'b', readAt: '2026-11-26T11:00:00.000Z' })
  t.same(unread.items.map((i) => i.id), ['a'], 'one marked read leaves the unread view')
})

t.test('a replay that repeats frames already applied changes nothing, and announces nothing twice', async (t) => {
  // After a reconnect the server may send again changes the client has (a transaction that
  // committed late is replayed with the ones after it): each frame is applied by id.
  const m = (event: string, data: unknown, id: string): Message => ({ event, data: JSON.stringify(data), id })
  const view = (id: string, minute: number, extra: Record<string, unknown> = {}) => ({ id, createdAt: `2026-11-26T10:0${minute}:00.000Z`, readAt: null, seenAt: null, archivedAt: null, type: 'booking_confirmed', title: id, ...extra })
  const read = '2026-11-26T11:00:00.000Z'
  const live = [
    m('notification', view('b', 2), '11.7'),
    m('notification', view('c', 3), '12.7'),
    m('notification-updated', { id: 'c', readAt: read, seenAt: null, archivedAt: null }, '13.7'),
    m('notification', view('d', 4), '14.7'),
    m('notification-deleted', { id: 'd' }, '15.7'),
  ]
  // The late committer 'a' (seq 10), then what the client had already, as a replay sends it.
  const replay = [m('notification', view('a', 1), '10.7'), m('notification', view('b', 2), '15.9'), m('notification', view('c', 3, { readAt: read }), '15.9'), m('notification-deleted', { id: 'd' }, '15.9')]
  const api = { list: async () => ({ items: [], nextCursor: null, unreadCount: 0 }) }
  const run = async (messages: Message[]) => {
    const list = new NotificationList(api, { archived: 'false' }, 10, () => undefined, true)
    await list.reload()
    const added = messages.flatMap((message) => toFeedEvents(message).filter((e) => list.apply(e)).map((e) => (e.notification as Item).id))
    return { items: list.items, added }
  }
  const once = await run([...live, replay[0]!])
  const twice = await run([...live, ...replay])
  t.same(twice.items, once.items, 'the same list as with each change applied once')
  t.same(twice.items.map((i) => [i.id, i.readAt]), [['c', read], ['b', null], ['a', null]])
  t.same(twice.added, ['b', 'c', 'd', 'a'], 'each notification counts as new (what the bell announces) once')
})

t.test('a list keeps the newer answer when two loads overlap', async (t) => {
  const resolvers: ((page: unknown) => void)[] = []
  const api = { list: () => new Promise((resolve) => resolvers.push(resolve)) }
  const list = new NotificationList(api, {}, 10, () => undefined)
  const first = list.reload()
  const second = list.reload()
  resolvers[1]!({ items: [{ id: 'new', createdAt: '2026-11-26T10:00:00.000Z', readAt: null }], nextCursor: null, unreadCount: 1 })
  resolvers[0]!({ items: [{ id: 'old', createdAt: '2026-11-26T09:00:00.000Z', readAt: null }], nextCursor: null, unreadCount: 1 })
  await Promise.all([first, second])
  t.same(list.items.map((i) => i.id), ['new'], 'the stale answer is dropped')
})

t.test('a reset refetches as many as a scrolled list shows, not one page (the bell keeps one page)', async (t) => {
  const asked: number[] = []
  const all = Array.from({ length: 25 }, (_, i) => ({ id: `n${String(25 - i).padStart(2, '0')}`, createdAt: new Date(Date.UTC(2026, 10, 26, 10, 0, 25 - i)).toISOString(), readAt: null, type: 'booking_confirmed', title: `t${25 - i}` }))
  const api = {
    list: async (q: { limit: number; cursor: string | null }) => {
      asked.push(q.limit)
      const start = q.cursor ? all.findIndex((n) => n.id === q.cursor) + 1 : 0
      const items = all.slice(start, start + q.limit)
      return { items, nextCursor: start + q.limit < all.length ? items.at(-1)!.id : null, unreadCount: all.length }
    },
  }
  const page = new NotificationList(api, {}, 20, () => undefined)
  await page.reload()
  await page.loadMore()
  t.equal(page.items.length, 25, 'scrolled to the end')
  page.apply({ type: 'reset' })
  await new Promise((r) => setTimeout(r, 20))
  t.equal(page.items.length, 25, 'still all 25 after a reset')
  t.same(asked, [20, 20, 25], 'refetched at the depth shown')

  const bell = new NotificationList(api, {}, 10, () => undefined, true)
  await bell.reload()
  bell.apply({ type: 'reset' })
  await new Promise((r) => setTimeout(r, 20))
  t.equal(bell.items.length, 10, 'the bell refetches its one page')
})
