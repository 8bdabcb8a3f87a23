/**
 * Open streams: many SSE streams held by one instance (one per user, as the inbox opens one
 * per browser), then one event per user published at once over the broker. Reports the
 * service's RSS idle and with the streams open, and publish → received across all of them.
 * usage: npm run bench:streams [-- --streams 2000]
 */
import http from 'node:http'
import { parseArgs } from 'node:util'
import amqp from 'amqplib'
import { createSigner } from 'fast-jwt'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { AMQP_URL, JWT_SECRET, bookingEvent, deleteBrokerNames, fillQueue, percentile, report, sleep, startBuiltService, uniqueName, waitUntil } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'

const { values } = parseArgs({ options: { streams: { type: 'string', default: '2000' } } })
const count = Number(values.streams)

const scratch = await createScratchDatabase('streams')
const handle = connectDatabase(scratch.url, { max: 1 })
await migrateToLatest(handle.db)
const exchange = uniqueName('bench.streams')
const queue = uniqueName('bench.streams.q')
await fillQueue(exchange, queue, [])
const svc = startBuiltService({ DATABASE_URL: scratch.url, AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE: queue, EMAIL_DISPATCH: 'off', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1' })
await waitUntil(() => /Server listening at http:\/\/127\.0\.0\.1:\d+/.test(svc.output()), 30_000, 'the service', 5)
const port = Number(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(svc.output())![1])
await sleep(1000)
const idleRss = svc.rssMb()

const sign = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity })
const publishedAt = new Map<number, number>()
const latencies: number[] = []
const requests: http.ClientRequest[] = []
let ready = 0
const openStarted = performance.now()
for (let u = 0; u < count; u++) {
  const request = http.get({ agent, host: '127.0.0.1', port, path: '/v1/notifications/stream', headers: { authorization: `Bearer ${sign({ sub: `stream-${u}` })}` } }, (response) => {
    let buffer = ''
    let counted = false
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => {
      const now = performance.now()
      buffer += chunk
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (!counted && /^event: unread-count$/m.test(frame)) {
          counted = true
          ready++
        }
        // Frames carry an id: line first (for Last-Event-ID), so the event line is matched anywhere.
        if (!/^event: notification$/m.test(frame)) continue
        const sent = publishedAt.get(u)
        if (sent !== undefined) latencies.push(now - sent)
      }
    })
  })
  request.on('error', () => undefined)
  requests.push(request)
  // Opened in small groups, as browsers arrive, not as one SYN flood.
  if (u % 200 === 199) await sleep(50)
}
await waitUntil(() => ready === count, 60_000, `${count} streams to open (${ready} so far)`).catch(() => undefined)
const openSeconds = (performance.now() - openStarted) / 1000
await sleep(2000)
const openRss = svc.rssMb()

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
latencies.sort((a, b) => a - b)

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
    { figure: 'RSS idle', value: idleRss, unit: 'MB' },
    { figure: 'RSS with the streams open', value: openRss, unit: 'MB' },
    { figure: 'per open stream', value: ((openRss - idleRss) * 1024) / Math.max(ready, 1), unit: 'kB' },
    { figure: 'peak RSS during the burst', value: peakRss, unit: 'MB' },
    { figure: 'p50 publish → received', value: percentile(latencies, 50), unit: 'ms' },
    { figure: 'p99 publish → received', value: percentile(latencies, 99), unit: 'ms' },
    { figure: 'publish → all received', value: allReceivedMs, unit: 'ms' },
    { figure: 'received', value: latencies.length, unit: `of ${count}`, met: latencies.length === count },
  ],
  [`${count} users with one stream each on one instance; one booking.created per user published at once (one burst). Publisher, broker, service and database share the machine.`],
)
