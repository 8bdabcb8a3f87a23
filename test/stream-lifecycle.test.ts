import net, { type AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import t from 'tap'
import { SseStream } from '../src/live/sse-stream.js'
import { auth, build, createTestDatabase, token, waitFor } from './helpers/app.js'
import { EventStream } from './helpers/event-stream.js'


const databaseUrl = await createTestDatabase(t)
const { app } = await build(t, { DATABASE_URL: databaseUrl, SSE_MAX_STREAMS_PER_USER: '3' }, { sendEmails: false })
await app.listen({ port: 0, host: '127.0.0.1' })

const urlOf = (a: FastifyInstance) => `http://127.0.0.1:${(a.server.address() as AddressInfo).port}/v1/notifications/stream`
const streamUrl = urlOf(app)
const bearer = (sub: string, a = app) => ({ authorization: `Bearer ${token(a, sub)}` })

/** Everything a stream can hold: hub entries, the open-stream gauge, the heartbeat and expiry timers. */
async function held(a = app) {
  const gauge = (await a.metrics.sseStreams.get()).values[0]?.value ?? 0
  return { ...a.liveHub.stats(), gauge, expiryTimers: SseStream.activeTimers }
}
const idle = { streams: 0, users: 0, heartbeatTimer: false, gauge: 0, expiryTimers: 0 }

async function backToIdle(t: { same: (found: unknown, wanted: unknown, message: string) => boolean }, what: string) {
  await waitFor(async () => JSON.stringify(await held()) === JSON.stringify(idle), { what: `${what}: nothing held`, timeout: 20_000 }).catch(() => undefined)
  t.same(await held(), idle, `${what}: no hub entry, gauge at 0, no timer left`)
}

const openConnections = () => new Promise<number>((resolve, reject) => app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))))

/**
 * Runs `during` while another session holds an exclusive lock on `table`, after `waiting`
 * statements of the app are queued behind it (so the app is provably inside that step).
 */
async function withTableLocked(table: string, waiting: number, during: () => Promise<void>) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query('BEGIN')
    await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`)
    await during()
    await waitFor(
      async () => {
        // Statistics are a snapshot per transaction: this session is inside one (the lock's).
        await client.query('SELECT pg_stat_clear_snapshot()')
        const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`)
        return rows[0]!.n >= waiting
      },
      { what: `${waiting} statements waiting on ${table}` },
    )
  } catch (err) {
    await client.query('ROLLBACK')
    await client.end()
    throw err
  }
  return async () => {
    await client.query('ROLLBACK')
    await client.end()
  }
}

const N = 5

t.test('streams abandoned before authentication completes leave nothing behind', async (t) => {
  t.same(await held(), idle, 'idle to begin with')
  const tickets: string[] = []
  for (let i = 0; i < N; i++) tickets.push((await app.inject({ method: 'POST', url: '/v1/notifications/stream-tickets', headers: auth(app, `early-${i}`) })).json().ticket)
  let streams: EventStream[] = []
  // Redeeming a ticket is a DELETE on stream_tickets: held there, authentication cannot finish.
  const release = await withTableLocked('stream_tickets', N, async () => {
    streams = tickets.map((ticket) => new EventStream(`${streamUrl}?ticket=${ticket}`))
  })
  for (const s of streams) s.close()
  await waitFor(async () => (await openConnections()) === 0, { what: 'the server to see the clients go' })
  await release()
  await backToIdle(t, 'hung up during authentication')
})

t.test('streams abandoned during the first count query leave nothing behind', async (t) => {
  let streams: EventStream[] = []
  // The first frames count the user's notifications: held there by the lock.
  const release = await withTableLocked('notifications', N, async () => {
    streams = Array.from({ length: N }, (_, i) => new EventStream(streamUrl, bearer(`setup-${i}`)))
  })
  t.equal(app.liveHub.size, N, 'the streams are subscribed before their first query')
  for (const s of streams) s.close()
  await waitFor(async () => (await openConnections()) === 0, { what: 'the server to see the clients go' })
  await release()
  await backToIdle(t, 'hung up during the first query')
  t.ok(streams.every((s) => s.status === 0), 'none of them was ever answered')
})

t.test('streams abandoned after the first event leave nothing behind', async (t) => {
  const streams = await Promise.all(Array.from({ length: N }, (_, i) => EventStream.open(streamUrl, bearer(`after-${i}`))))
  for (const s of streams) await s.next((e) => e.event === 'unread-count')
  t.equal(app.liveHub.size, N)
  t.ok(app.liveHub.stats().heartbeatTimer, 'one heartbeat timer while streams are open')
  for (const s of streams) s.close()
  await backToIdle(t, 'hung up after the first event')
})

t.test('many abandoned streams: the heap comes back (measured, see the comment)', async (t) => {
  const gc = (globalThis as { gc?: () => void }).gc
  const heap = () => {
    gc?.()
    return process.memoryUsage().heapUsed
  }
  const before = heap()
  for (let round = 0; round < 10; round++) {
    const streams = Array.from({ length: 20 }, (_, i) => new EventStream(streamUrl, bearer(`churn-${i}`)))
    await Promise.all(streams.map((s) => s.answered.then(() => s.next((e) => e.event === 'unread-count'))))
    for (const s of streams) s.close()
  }
  await backToIdle(t, '200 streams opened and abandoned')
  t.comment(`heap ${gc ? 'after forced GC' : '(no --expose-gc: not collected first)'}: before ${(before / 1e6).toFixed(1)} MB, after ${(heap() / 1e6).toFixed(1)} MB`)
})

t.test('a stream ends when its token expires', async (t) => {
  const short = app.jwt.sign({ sub: 'expiring' } as never, { expiresIn: '2s' })
  const stream = await EventStream.open(streamUrl, { authorization: `Bearer ${short}` })
  t.equal(stream.status, 200)
  await stream.next((e) => e.event === 'unread-count')
  await stream.closedByServer(15_000)
  t.ok(stream.ended, 'the server ended it')
  await backToIdle(t, 'after expiry')

  // A ticket carries the expiry of the token it was made with.
  const ticket = (await app.inject({ method: 'POST', url: '/v1/notifications/stream-tickets', headers: { authorization: `Bearer ${app.jwt.sign({ sub: 'expiring' } as never, { expiresIn: '2s' })}` } })).json()
  t.ok(Date.parse(ticket.expiresAt) - Date.now() <= 2_000, 'the ticket expires no later than its token')
  const viaTicket = await EventStream.open(`${streamUrl}?ticket=${ticket.ticket}`)
  t.equal(viaTicket.status, 200)
  await viaTicket.closedByServer(15_000)
  await backToIdle(t, 'after a ticket stream expired')
})

t.test('at most SSE_MAX_STREAMS_PER_USER streams per user: the oldest is closed', async (t) => {
  const streams: EventStream[] = []
  for (let i = 0; i < 4; i++) {
    const s = await EventStream.open(streamUrl, bearer('tabby'))
    await s.next((e) => e.event === 'unread-count')
    streams.push(s)
  }
  await streams[0]!.closedByServer()
  t.ok(streams[0]!.ended, 'the first (oldest) was closed')
  t.same(streams.slice(1).map((s) => s.ended), [false, false, false], 'the three newest stay open')
  t.equal(app.liveHub.stats().streams, 3)
  const other = await EventStream.open(streamUrl, bearer('other-user'))
  await other.next((e) => e.event === 'unread-count')
  t.equal(app.liveHub.stats().streams, 4, "another user's stream does not count against this user")
  for (const s of [...streams, other]) s.close()
  await backToIdle(t, 'after the cap test')
})

t.test('past SSE_MAX_STREAMS an instance answers 503', async (t) => {
  const small = await build(t, { DATABASE_URL: databaseUrl, SSE_MAX_STREAMS: '2' }, { sendEmails: false, migrate: false })
  await small.app.listen({ port: 0, host: '127.0.0.1' })
  const url = urlOf(small.app)
  const one = await EventStream.open(url, bearer('cap-1', small.app))
  const two = await EventStream.open(url, bearer('cap-2', small.app))
  await Promise.all([one, two].map((s) => s.next((e) => e.event === 'unread-count')))
  // A real request with a deadline: were it accepted, it would stay open (and time out here).
  const refused = await fetch(url, { headers: bearer('cap-3', small.app), signal: AbortSignal.timeout(10_000) })
  t.equal(refused.status, 503)
  t.match(await refused.json(), { statusCode: 503, error: 'Service Unavailable', message: /SSE_MAX_STREAMS/ })
  t.equal(refused.headers.get('retry-after'), '10')
  one.close()
  await waitFor(() => small.app.liveHub.size === 1, { what: 'the closed one to go' })
  const three = await EventStream.open(url, bearer('cap-3', small.app))
  t.equal(three.status, 200, 'room again once one has gone')
  two.close()
  three.close()
})

t.test('requestTimeout: a slow body is cut with 408, while a stream outlives both timeouts', async (t) => {
  const strict = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false, migrate: false, requestTimeoutMs: 1_000, connectionTimeoutMs: 3_000 })
  await strict.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (strict.app.server.address() as AddressInfo).port

  const opened = Date.now()
  const stream = await EventStream.open(urlOf(strict.app), bearer('patient', strict.app))
  await stream.next((e) => e.event === 'unread-count')

  const socket = net.connect(port, '127.0.0.1')
  let answer = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk))
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  socket.write(`POST /v1/notifications/read HTTP/1.1\r\nHost: localhost\r\n${'Authorization'}: Bearer ${token(strict.app, 'slow')}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ids": [`)
  await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the slow request was never cut')), 20_000))])
  t.match(answer, /^HTTP\/1\.1 408/, `answered 408 Request Timeout and closed (got ${JSON.stringify(answer.slice(0, 80))})`)

  // Heartbeats keep arriving well past both timeouts: the stream is not cut by them.
  const late = await stream.next((e) => e.comment?.startsWith('heartbeat') === true && Date.parse(e.comment.slice('heartbeat '.length)) - opened > 5_000, { timeout: 20_000 })
  t.ok(late, 'a heartbeat more than 5 s after opening (requestTimeout 1 s, connectionTimeout 3 s)')
  t.notOk(stream.ended, 'still open')
  stream.close()
})
