/**
 * Open streams: many SSE streams held by one instance (one per user, as the inbox opens one
 * per browser). Three phases: one event per user published at once over the broker (a
 * burst: ingest-bound); then events at a steady rate to random users while every stream
 * stays open (the live path's latency with that many streams); then one user's stream is
 * closed, 500 notifications arrive for them, and it reconnects with Last-Event-ID (the
 * replay), beside a plain reconnect of the same user in the same run as the baseline.
 * Streams open with at most --opening requests in flight (browsers arrive over time, not as one
 * SYN flood); a failed opening is retried after a second, as EventSource would, and counted by cause.
 * usage: npm run bench:streams [-- --streams 10000 --opening 200 --rate 200 --steady 2000 --replay 500]
 */
import http from 'node:http'
import { parseArgs } from 'node:util'
import amqp from 'amqplib'
import { createSigner } from 'fast-jwt'
import { sql } from 'kysely'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { AMQP_URL, JWT_SECRET, bookingEvent, deleteBrokerNames, fillQueue, percentile, report, sleep, startBuiltService, uniqueName, waitUntil } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'

const { values } = parseArgs({
  options: { streams: { type: 'string', default: '10000' }, opening: { type: 'string', default: '200' }, rate: { type: 'string', default: '200' }, steady: { type: 'string', default: '2000' }, replay: { type: 'string', default: '500' } },
})
const count = Number(values.streams)
const openingLimit = Number(values.opening)
const rate = Number(values.rate)
const steadyCount = Number(values.steady)
const replayCount = Number(values.replay)

const scratch = await createScratchDatabase('streams')
const handle = connectDatabase(scratch.url, { max: 1 })
await migrateToLatest(handle.db)
const exchange = uniqueName('bench.streams')
const queue = uniqueName('bench.streams.q')
await fillQueue(exchange, queue, [])
const svc = startBuiltService({ DATABASE_URL: scratch.url, AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE: queue, EMAIL_DISPATCH: 'off', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', SSE_MAX_STREAMS: String(count + 100) })
await waitUntil(() => /Server listening at http:\/\/127\.0\.0\.1:\d+/.test(svc.output()), 30_000, 'the service', 5)
const port = Number(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(svc.output())![1])
await sleep(1000)
const idleRss = svc.rssMb()

const sign = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity })
const publishedAt = new Map<number, number>()
const latencies: number[] = []
// The steady phase: publish time per booking id, and publish → received per event.
const steadyPublishedAt = new Map<string, number>()
const steadyLatencies: number[] = []
const lastEventId = new Map<number, string>()
const requests: http.ClientRequest[] = []
// Why openings failed (an error code or an HTTP status), each retried after a second.
const failures = new Map<string, number>()
let ready = 0
let opening = 0
const fail = (cause: string) => failures.set(cause, (failures.get(cause) ?? 0) + 1)

/** Opens user u's stream; resolves when its first count arrived or the attempt failed. */
function openStream(u: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false
    const settle = (ok: boolean, cause?: string) => {
      if (settled) return
      settled = true
      if (!ok) fail(cause!)
      resolve(ok)
    }
    const request = http.get({ agent, host: '127.0.0.1', port, path: '/v1/notifications/stream', headers: { authorization: `Bearer ${sign({ sub: `stream-${u}` })}` } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume()
        return settle(false, `HTTP ${response.statusCode}`)
      }
      let buffer = ''
      response.setEncoding('utf8')
      response.on('end', () => settle(false, 'ended before its first count'))
      response.on('data', (chunk: string) => {
        const now = performance.now()
        buffer += chunk
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (!settled && /^event: unread-count$/m.test(frame)) {
            ready++
            settle(true)
          }
          const id = /^id: (.+)$/m.exec(frame)?.[1]
          if (id) lastEventId.set(u, id)
          // Frames carry an id: line first (for Last-Event-ID), so the event line is matched anywhere.
          if (!/^event: notification$/m.test(frame)) continue
          const steadyBooking = /"bookingId":"(steady-\d+)"/.exec(frame)?.[1]
          if (steadyBooking) {
            const at = steadyPublishedAt.get(steadyBooking)
            if (at !== undefined) steadyLatencies.push(now - at)
            continue
          }
          const sent = publishedAt.get(u)
          if (sent !== undefined) latencies.push(now - sent)
        }
      })
    })
    request.on('error', (err: NodeJS.ErrnoException) => settle(false, err.code ?? err.message))
    requests[u] = request
  })
}

async function openWithRetries(u: number): Promise<void> {
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await sleep(1000)
    opening++
    const ok = await openStream(u)
    opening--
    if (ok) return
  }
}

// CPU the service spends per phase: on a shared machine it varies less than latency does.
const cpuIdle = svc.cpuSeconds()
const openStarted = performance.now()
const openings: Promise<void>[] = []
for (let u = 0; u < count; u++) {
  while (opening >= openingLimit) await sleep(5)
  openings.push(openWithRetries(u))
}
await waitUntil(() => ready === count, 60_000, `${count} streams to open (${ready} so far)`).catch(() => undefined)
const openSeconds = (performance.now() - openStarted) / 1000
await sleep(2000)
const openRss = svc.rssMb()
const cpuOpened = svc.cpuSeconds()

const connection = await amqp.connect(AMQP_URL, { noDelay: true })
const channel = await connection.createConfirmChannel()
const started = performance.now()
for (let u = 0; u < count; u++) {
  const event = bookingEvent(u)
  event.data.user = { id: `stream-${u}`, email: `stream${u}@example.com`, name: 'Bench', locale: 'en' }
  event.data.hallAdmins = []
  publishedAt.set(u, performance.now())
  channel.publish(exchange, 'booking.created', Buffer.from(JSON.stringify(event)), { persistent: true })
}
await channel.waitForConfirms()
await waitUntil(() => latencies.length >= count, 60_000, 'every stream to receive its notification').catch(() => undefined)
const allReceivedMs = performance.now() - started
const peakRss = svc.peakRssMb()
const cpuBurst = svc.cpuSeconds()
latencies.sort((a, b) => a - b)

// Steady: `rate` events a second to random users (not stream-0, kept for the replay).
await sleep(2000)
const cpuSteadyStart = svc.cpuSeconds()
const steadyStarted = performance.now()
for (let i = 0; i < steadyCount; i++) {
  const due = steadyStarted + (i * 1000) / rate
  const wait = due - performance.now()
  if (wait > 0) await sleep(wait)
  const u = 1 + Math.floor(Math.random() * (count - 1))
  const event = bookingEvent(u)
  event.data.booking.id = `steady-${i}`
  event.data.user = { id: `stream-${u}`, email: `stream${u}@example.com`, name: 'Bench', locale: 'en' }
  event.data.hallAdmins = []
  steadyPublishedAt.set(`steady-${i}`, performance.now())
  channel.publish(exchange, 'booking.created', Buffer.from(JSON.stringify(event)), { persistent: true })
}
await channel.waitForConfirms()
await waitUntil(() => steadyLatencies.length >= steadyCount, 60_000, 'every steady event on its stream').catch(() => undefined)
steadyLatencies.sort((a, b) => a - b)
const steadyRss = svc.rssMb()
const cpuSteady = svc.cpuSeconds() - cpuSteadyStart

/** Opens a stream for one user and resolves with the ms until `notifications` notification frames (or the first unread-count). */
function timedStream(user: string, headers: Record<string, string>, notifications: number): Promise<{ ms: number; frames: number; reset: boolean }> {
  return new Promise((resolve, reject) => {
    const began = performance.now()
    let frames = 0
    let buffer = ''
    const req = http.get({ agent, host: '127.0.0.1', port, path: '/v1/notifications/stream', headers: { authorization: `Bearer ${sign({ sub: user })}`, ...headers } }, (response) => {
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        buffer += chunk
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (/^event: reset$/m.test(frame)) return done(true)
          if (/^event: notification$/m.test(frame)) frames++
          if (notifications === 0 ? /^event: unread-count$/m.test(frame) : frames >= notifications) return done(false)
        }
      })
    })
    const done = (reset: boolean) => {
      resolve({ ms: performance.now() - began, frames, reset })
      req.destroy()
    }
    req.on('error', reject)
  })
}

// Replay: stream-0 goes away, `replayCount` notifications arrive for it, it comes back.
requests[0]!.destroy()
const missedFrom = lastEventId.get(0)
for (let i = 0; i < replayCount; i++) {
  const event = bookingEvent(i)
  event.data.booking.id = `missed-${i}`
  event.data.user = { id: 'stream-0', email: 'stream0@example.com', name: 'Bench', locale: 'en' }
  event.data.hallAdmins = []
  channel.publish(exchange, 'booking.created', Buffer.from(JSON.stringify(event)), { persistent: true })
}
await channel.waitForConfirms()
await waitUntil(async () => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM notifications WHERE user_id = 'stream-0'`.execute(handle.db)).rows[0]?.n) >= replayCount + 1, 60_000, 'the missed notifications committed')
await sleep(500)
const replays: number[] = []
const plain: number[] = []
let replayFrames = 0
let resets = 0
for (let round = 0; round < 20; round++) {
  const replay = await timedStream('stream-0', missedFrom ? { 'last-event-id': missedFrom } : {}, replayCount)
  replays.push(replay.ms)
  replayFrames = replay.frames
  if (replay.reset) resets++
  plain.push((await timedStream('stream-0', {}, 0)).ms)
}
replays.sort((a, b) => a - b)
plain.sort((a, b) => a - b)

for (const r of requests) r.destroy()
await connection.close()
await svc.stop()
await handle.db.destroy()
await scratch.drop()
await deleteBrokerNames(exchange, queue)

await report(
  'streams',
  [
    { figure: 'streams open', value: ready, unit: `of ${count}`, met: ready === count },
    { figure: 'time to open them', value: openSeconds, unit: 's' },
    { figure: 'failed openings (retried)', value: [...failures.values()].reduce((a, b) => a + b, 0), unit: failures.size > 0 ? `(${[...failures].map(([cause, n]) => `${cause}: ${n}`).join(', ')})` : '' },
    { figure: 'service CPU opening them', value: cpuOpened - cpuIdle, unit: 's' },
    { figure: 'RSS idle', value: idleRss, unit: 'MB' },
    { figure: 'RSS with the streams open', value: openRss, unit: 'MB' },
    { figure: 'per open stream', value: ((openRss - idleRss) * 1024) / Math.max(ready, 1), unit: 'kB' },
    { figure: 'peak RSS during the burst', value: peakRss, unit: 'MB' },
    { figure: 'p50 publish → received', value: percentile(latencies, 50), unit: 'ms' },
    { figure: 'p99 publish → received', value: percentile(latencies, 99), unit: 'ms' },
    { figure: 'publish → all received', value: allReceivedMs, unit: 'ms' },
    { figure: 'received', value: latencies.length, unit: `of ${count}`, met: latencies.length === count },
    { figure: 'service CPU for the burst', value: cpuBurst - cpuOpened, unit: 's' },
    { figure: `steady ${rate}/s: p50 publish → received`, value: percentile(steadyLatencies, 50), unit: 'ms' },
    { figure: `steady ${rate}/s: p99 publish → received`, value: percentile(steadyLatencies, 99), unit: 'ms', target: '≤ 250 ms', met: percentile(steadyLatencies, 99) <= 250 },
    { figure: 'steady: received', value: steadyLatencies.length, unit: `of ${steadyCount}`, met: steadyLatencies.length === steadyCount },
    { figure: 'service CPU for the steady phase', value: cpuSteady, unit: 's' },
    { figure: 'RSS after the steady phase', value: steadyRss, unit: 'MB', target: '≤ 300 MB', met: Math.max(openRss, steadyRss, peakRss) <= 300 },
    { figure: `replay of ${replayCount} missed (median of 20)`, value: percentile(replays, 50), unit: 'ms', baseline: percentile(plain, 50), target: '≤ 50 ms', met: percentile(replays, 50) <= 50 && resets === 0 && replayFrames === replayCount },
    { figure: `replay of ${replayCount} missed (worst of 20)`, value: replays[replays.length - 1] ?? NaN, unit: 'ms', baseline: plain[plain.length - 1] ?? NaN },
  ],
  [
    `${count} users with one stream each on one instance, opened with at most ${openingLimit} openings in flight. Burst: one booking.created per user published at once (ingest-bound). Steady: ${steadyCount} events at ${rate}/s to random users with every stream open. Replay: one user's stream closed, ${replayCount} notifications for them, reconnect with Last-Event-ID until all ${replayCount} arrived (${resets} resets in 20); baseline: a plain reconnect of the same user until its first frame. Publisher, broker, service and database share the machine.`,
  ],
)
