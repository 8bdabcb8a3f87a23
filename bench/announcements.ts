/**
 * Announcement fan-out to a synthetic directory of 100,000 users: how long it takes, and
 * what it does to ordinary ingest meanwhile — publish → the booker's `notification` frame
 * on an open SSE stream (sent after the commit), p99 while the fan-out runs beside the
 * idle p99 measured first in the same run.
 * usage: npm run bench:announcements [-- --users 100000 --rate 50 --idle-seconds 15]
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

const { values } = parseArgs({ options: { users: { type: 'string', default: '100000' }, rate: { type: 'string', default: '50' }, 'idle-seconds': { type: 'string', default: '15' }, streams: { type: 'string', default: '20' } } })
const directorySize = Number(values.users)
const rate = Number(values.rate)
const idleSeconds = Number(values['idle-seconds'])
const streamUsers = Number(values.streams)

const scratch = await createScratchDatabase('announcements')
const handle = connectDatabase(scratch.url, { max: 2 })
await migrateToLatest(handle.db)
await sql`
  INSERT INTO people (user_id, email, name, locale, facts_time)
  SELECT 'p-' || lpad(i::text, 7, '0'), 'p' || i || '@example.com', 'Person ' || i, 'en', now()
  FROM generate_series(1, ${directorySize}) AS i`.execute(handle.db)
await sql`ANALYZE people`.execute(handle.db)

const exchange = uniqueName('bench.announce')
const queue = uniqueName('bench.announce.q')
await fillQueue(exchange, queue, [])
// Emails are queued by the fan-out but not sent (EMAIL_DISPATCH=off): the fan-out is what is measured.
const svc = startBuiltService({ DATABASE_URL: scratch.url, AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE: queue, EMAIL_DISPATCH: 'off', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1' })
await waitUntil(() => /consuming events from the broker/.test(svc.output()) && /Server listening at http:\/\/127\.0\.0\.1:\d+/.test(svc.output()), 30_000, 'the service', 5)
const port = Number(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(svc.output())![1])

const sign = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
const publishedAt = new Map<string, number>()
const latencyOf = new Map<string, number>()
const streams: http.ClientRequest[] = []
let opened = 0
for (let u = 0; u < streamUsers; u++) {
  const request = http.get({ host: '127.0.0.1', port, path: '/v1/notifications/stream', headers: { authorization: `Bearer ${sign({ sub: `user-${u}` })}` } }, (response) => {
    opened++
    let buffer = ''
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => {
      const now = performance.now()
      buffer += chunk
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        // A frame is `id:`, `event:`, `data:` lines.
        if (!/^event: notification$/m.test(frame)) continue
        const n = /"title":"[^"]*Booking (\d+)"/.exec(frame)?.[1]
        const sent = n === undefined ? undefined : publishedAt.get(n)
        if (sent !== undefined) latencyOf.set(n!, now - sent)
      }
    })
  })
  streams.push(request)
}
await waitUntil(() => opened === streamUsers, 10_000, 'the streams')
await sleep(500)

const connection = await amqp.connect(AMQP_URL, { noDelay: true })
const channel = await connection.createChannel()
let next = 0
/** Publishes ordinary bookings at a steady rate until `until()` is true; answers the event numbers sent. */
async function publishWhile(until: () => boolean): Promise<string[]> {
  const sent: string[] = []
  const started = performance.now()
  for (let k = 0; !until(); k++) {
    const wait = started + (k * 1000) / rate - performance.now()
    if (wait > 1) await sleep(wait)
    const i = next++
    const event = bookingEvent(i)
    event.data.user = { id: `user-${i % streamUsers}`, email: `user${i}@example.com`, name: 'Bench', locale: 'en' }
    event.data.hallAdmins = []
    publishedAt.set(String(i), performance.now())
    sent.push(String(i))
    channel.publish(exchange, 'booking.created', Buffer.from(JSON.stringify(event)), { persistent: true })
  }
  return sent
}
const p99Of = async (ids: string[]) => {
  await waitUntil(() => ids.every((i) => latencyOf.has(i)), 60_000, 'every notification on a stream').catch(() => undefined)
  const sorted = ids.map((i) => latencyOf.get(i)).filter((v): v is number => v !== undefined).sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), received: sorted.length, total: ids.length }
}

// 1. Idle: ordinary events only.
const idleEnd = performance.now() + idleSeconds * 1000
const idle = await p99Of(await publishWhile(() => performance.now() >= idleEnd))

// 2. The same events while the announcement fans out to everyone.
const admin = sign({ sub: 'ops', roles: ['notifications:admin'] })
const call = (method: string, path: string, body?: object) =>
  fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined }).then((r) => r.json() as Promise<Record<string, unknown>>)
const fanStart = performance.now()
const { id } = await call('POST', '/v1/admin/announcements', { title: 'To everyone', body: 'A bench announcement', audience: { all: true }, channels: ['inApp', 'email'] })
let status = 'scheduled'
let fanSeconds = Number.NaN
const poller = (async () => {
  while (status !== 'sent') {
    await sleep(100)
    status = String((await call('GET', `/v1/admin/announcements/${id}`)).status)
  }
  fanSeconds = (performance.now() - fanStart) / 1000
})()
const during = await p99Of(await publishWhile(() => status === 'sent'))
await poller
const final = await call('GET', `/v1/admin/announcements/${id}`)

for (const s of streams) s.destroy()
await connection.close()
await svc.stop()
await handle.db.destroy()
await scratch.drop()
await deleteBrokerNames(exchange, queue)

const ratio = during.p99 / idle.p99
await report(
  'announcements',
  [
    { figure: `fan-out to ${directorySize.toLocaleString('en')} users (in-app + email queued)`, value: fanSeconds, unit: 's' },
    { figure: 'recipients per second', value: directorySize / fanSeconds, unit: '/s' },
    // The directory also learned the ordinary events' bookers before the announcement.
    { figure: 'recipients reached', value: Number(final.recipients), unit: `of ${directorySize + streamUsers}`, met: Number(final.recipients) === directorySize + streamUsers },
    { figure: 'p50 publish → SSE, during the fan-out', value: during.p50, unit: 'ms', baseline: idle.p50 },
    { figure: 'p99 publish → SSE, during the fan-out', value: during.p99, unit: 'ms', baseline: idle.p99, target: '≤ 2× idle', met: ratio <= 2 },
    { figure: 'ordinary notifications seen (idle + during)', value: idle.received + during.received, unit: `of ${idle.total + during.total}`, met: idle.received + during.received === idle.total + during.total },
  ],
  [`${rate} ordinary events/s to ${streamUsers} users with an open stream each: ${idleSeconds} s idle, then for as long as the fan-out runs; publisher, broker, service and database share the machine.`],
)
