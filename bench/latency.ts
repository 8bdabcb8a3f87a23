/**
 * Latency: events published to the exchange at a steady rate; time from publish to the
 * `notification` frame on an open SSE stream of the booker.
 * usage: npm run bench:latency [-- --rate 200 --seconds 30]
 */
import http from 'node:http'
import { parseArgs } from 'node:util'
import amqp from 'amqplib'
import { createSigner } from 'fast-jwt'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { AMQP_URL, JWT_SECRET, bookingEvent, deleteBrokerNames, fillQueue, percentile, report, sleep, startBuiltService, uniqueName, waitUntil } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'
import { startCountingSink } from './smtp-counter.js'

const { values } = parseArgs({ options: { rate: { type: 'string', default: '200' }, seconds: { type: 'string', default: '30' }, users: { type: 'string', default: '20' } } })
const rate = Number(values.rate)
const seconds = Number(values.seconds)
const users = Number(values.users)

const scratch = await createScratchDatabase('latency')
const handle = connectDatabase(scratch.url, { max: 1 })
await migrateToLatest(handle.db)
const exchange = uniqueName('bench.latency')
const queue = uniqueName('bench.latency.q')
await fillQueue(exchange, queue, [])
const publishedAt = new Map<string, number>()
const emailLatencies: number[] = []
const sink = await startCountingSink((head) => {
  // Each event's booker has the address user<i>@example.com (see below).
  const booking = /^To: user(\d+)@example\.com/m.exec(head)?.[1]
  const sent = booking === undefined ? undefined : publishedAt.get(booking)
  if (sent !== undefined) emailLatencies.push(performance.now() - sent)
})
// Default email settings: the dispatcher is woken by each commit, not by its poll interval.
const svc = startBuiltService({ DATABASE_URL: scratch.url, AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE: queue, SMTP_URL: sink.url, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1' })
await waitUntil(() => /consuming events from the broker/.test(svc.output()) && /Server listening at http:\/\/127\.0\.0\.1:\d+/.test(svc.output()), 30_000, 'the service', 5)
const port = Number(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(svc.output())![1])

const sign = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
const latencies: number[] = []
const streams: http.ClientRequest[] = []
let opened = 0
for (let u = 0; u < users; u++) {
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
        if (!frame.startsWith('event: notification')) continue
        const title = /"title":"[^"]*Booking (\d+)"/.exec(frame)?.[1]
        const sent = title === undefined ? undefined : publishedAt.get(title)
        if (sent !== undefined) latencies.push(now - sent)
      }
    })
  })
  streams.push(request)
}
await waitUntil(() => opened === users, 10_000, 'the streams')
await sleep(500)

// An upstream publisher that cares about latency turns Nagle off too.
const connection = await amqp.connect(AMQP_URL, { noDelay: true })
const channel = await connection.createChannel()
const total = rate * seconds
const started = performance.now()
for (let i = 0; i < total; i++) {
  // A steady schedule, not a burst: event i leaves at start + i/rate.
  const due = started + (i * 1000) / rate
  const wait = due - performance.now()
  if (wait > 1) await sleep(wait)
  const event = bookingEvent(i)
  event.data.user = { id: `user-${i % users}`, email: `user${i}@example.com`, name: 'Bench', locale: 'en' }
  event.data.hallAdmins = []
  publishedAt.set(String(i), performance.now())
  channel.publish(exchange, 'booking.created', Buffer.from(JSON.stringify(event)), { persistent: true })
}
await waitUntil(() => latencies.length >= total, 30_000, 'every notification on a stream').catch(() => undefined)
await waitUntil(() => emailLatencies.length >= total, 30_000, 'every email').catch(() => undefined)
const received = latencies.length
latencies.sort((a, b) => a - b)
emailLatencies.sort((a, b) => a - b)
for (const s of streams) s.destroy()
await connection.close()
await svc.stop()
await sink.stop()
await handle.db.destroy()
await scratch.drop()
await deleteBrokerNames(exchange, queue)

const p50 = percentile(latencies, 50)
const p99 = percentile(latencies, 99)
await report(
  'latency',
  [
    { figure: 'p50 publish → SSE', value: p50, unit: 'ms', target: '≤ 10 ms', met: p50 <= 10 },
    { figure: 'p99 publish → SSE', value: p99, unit: 'ms', target: '≤ 50 ms', met: p99 <= 50 },
    { figure: 'max publish → SSE', value: latencies[latencies.length - 1] ?? Number.NaN, unit: 'ms' },
    { figure: 'delivered on a stream', value: received, unit: `of ${total}`, met: received === total },
    { figure: 'p50 publish → email accepted by SMTP', value: percentile(emailLatencies, 50), unit: 'ms', target: '≤ 1 s', met: percentile(emailLatencies, 50) <= 1000 },
    { figure: 'p99 publish → email accepted by SMTP', value: percentile(emailLatencies, 99), unit: 'ms', target: '≤ 1 s', met: percentile(emailLatencies, 99) <= 1000 },
    { figure: 'emails delivered', value: emailLatencies.length, unit: `of ${total}`, met: emailLatencies.length === total },
  ],
  [`${rate} events/s for ${seconds} s to ${users} users with an open stream each; publisher, broker, service and database share the machine.`],
)
