/**
 * Memory under steady load: events at a steady rate over the broker (emails on, to a
 * counting SMTP sink), users polling the read API, and open SSE streams, for 10 minutes.
 * Resident set size after 1 minute vs at the end: growth would be a leak.
 * (Peak RSS during a burst is measured by the ingest benchmark.)
 * usage: npm run bench:memory [-- --minutes 10 --rate 100]
 */
import http from 'node:http'
import { parseArgs } from 'node:util'
import amqp from 'amqplib'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { AMQP_URL, JWT_SECRET, bookingEvent, deleteBrokerNames, fillQueue, freePort, report, sleep, startBuiltService, uniqueName, waitForReady } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'
import { startCountingSink } from './smtp-counter.js'

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '100' }, users: { type: 'string', default: '200' } } })
const minutes = Number(values.minutes)
const rate = Number(values.rate)
const users = Number(values.users)

const scratch = await createScratchDatabase('memory')
const handle = connectDatabase(scratch.url, { max: 1 })
await migrateToLatest(handle.db)
await handle.db.destroy()
const exchange = uniqueName('bench.memory')
const queue = uniqueName('bench.memory.q')
await fillQueue(exchange, queue, [])
const sink = await startCountingSink()
const port = await freePort()
const svc = startBuiltService({ DATABASE_URL: scratch.url, AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE: queue, SMTP_URL: sink.url, EMAIL_POLL_MS: '200', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1' })
await waitForReady(port, svc)

const sign = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
const userId = (i: number) => `user-${i % users}`
const tokens = Array.from({ length: users }, (_, i) => `Bearer ${sign({ sub: userId(i) })}`)

// A stream per tenth user, reconnected now and then as browsers do.
const streams = new Set<http.ClientRequest>()
const openStream = (i: number) => {
  const request = http.get({ host: '127.0.0.1', port, path: '/v1/notifications/stream', headers: { authorization: tokens[i]! } }, (response) => response.resume())
  request.on('error', () => {})
  streams.add(request)
  setTimeout(() => {
    request.destroy()
    streams.delete(request)
    if (running) openStream(i)
  }, 20_000 + Math.random() * 40_000).unref()
}
let running = true
for (let i = 0; i < users; i += 10) openStream(i)

// Readers: the bell and the dropdown, polled.
const readers = autocannon({
  url: `http://127.0.0.1:${port}`,
  connections: 4,
  overallRate: 100,
  duration: minutes * 60,
  requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: Math.random() < 0.5 ? '/v1/notifications?limit=20' : '/v1/notifications/unread-count', headers: { ...request.headers, authorization: tokens[Math.floor(Math.random() * users)]! } }) }],
})

// Writers: events at a steady rate.
const connection = await amqp.connect(AMQP_URL, { noDelay: true })
const channel = await connection.createChannel()
const samples: { at: number; rss: number }[] = []
const started = performance.now()
const end = started + minutes * 60_000
let i = 0
let nextSample = started
while (performance.now() < end) {
  const due = started + (i * 1000) / rate
  const wait = due - performance.now()
  if (wait > 1) await sleep(wait)
  const event = bookingEvent(i)
  event.data.user = { id: userId(i), email: `${userId(i)}@example.com`, name: 'Bench', locale: 'en' }
  channel.publish(exchange, 'booking.created', Buffer.from(JSON.stringify(event)), { persistent: true })
  i++
  if (performance.now() >= nextSample) {
    samples.push({ at: (performance.now() - started) / 1000, rss: svc.rssMb() })
    nextSample += 5_000
  }
}
running = false
const readResult = await readers
const rssEnd = svc.rssMb()
const peak = svc.peakRssMb()
for (const s of streams) s.destroy()
await connection.close()
await svc.stop()
await sink.stop()
await scratch.drop()
await deleteBrokerNames(exchange, queue)

const atOneMinute = samples.find((s) => s.at >= 60)?.rss ?? samples[0]!.rss
const growth = (rssEnd - atOneMinute) / atOneMinute
await report(
  'memory',
  [
    { figure: 'RSS after 1 minute', value: atOneMinute, unit: 'MB' },
    { figure: `RSS after ${minutes} minutes`, value: rssEnd, unit: 'MB', baseline: atOneMinute, target: '≤ 1.10 of the 1-minute RSS', met: growth <= 0.1 },
    { figure: 'peak RSS under steady load', value: peak, unit: 'MB', target: '≤ 200 MB', met: peak <= 200 },
    { figure: 'events published', value: i, unit: 'events' },
    { figure: 'emails sent', value: sink.count(), unit: 'emails' },
    { figure: 'read requests', value: readResult.requests.total, unit: 'requests', met: readResult.non2xx === 0 && readResult.errors === 0 },
  ],
  [`${rate} events/s (3 notifications and 3 emails each), 100 reads/s, ${users / 10} SSE streams reconnecting every 20–60 s, for ${minutes} min; heap capped at ${process.env.NODE_HEAP_MB ?? 128} MB as in npm start.`, `RSS samples every 5 s: ${samples.filter((_, k) => k % 12 === 0).map((s) => `${Math.round(s.at)}s ${Math.round(s.rss)} MB`).join(', ')}`],
)
