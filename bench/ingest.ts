/**
 * Ingest: 20,000 booking.created events (two hall admins each: 3 in-app rows and 3 emails
 * per event) already in the queue, drained until every effect is committed.
 * Baseline, same run: a minimal hand-written amqplib drain of the same queue that inserts
 * the same rows with multi-row INSERTs and no validation, preferences or idempotency.
 * usage: npm run bench:ingest [-- --events 20000]
 */
import { parseArgs } from 'node:util'
import { countProcessedEvents as count, freshDatabase, handWrittenDrain } from './hand-written-drain.js'
import { AMQP_URL, bookingEvent, deleteBrokerNames, fillQueue, report, startBuiltService, uniqueName, waitForCount, waitUntil } from './lib.js'
import { startCountingSink } from './smtp-counter.js'

const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' }, prefetch: { type: 'string' }, 'node-options': { type: 'string' } } })
const total = Number(values.events)
const events = Array.from({ length: total }, (_, i) => bookingEvent(i))

/** The service draining the queue; with `smtpUrl`, it also sends the emails it queues (to a counting sink). */
async function service(smtp?: { url: string; count: () => number }): Promise<{ rate: number; peakRssMb: number; sentAtEnd: number }> {
  const db = await freshDatabase('ingest_svc')
  const exchange = uniqueName('bench.svc')
  const queue = uniqueName('bench.svc.q')
  await fillQueue(exchange, queue, events)
  const svc = startBuiltService({ DATABASE_URL: db.url, AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE: queue, ...(smtp ? { SMTP_URL: smtp.url, EMAIL_POLL_MS: '50' } : { EMAIL_DISPATCH: 'off' }), LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...(values.prefetch ? { AMQP_PREFETCH: values.prefetch } : {}), ...(values['node-options'] ? { NODE_OPTIONS: values['node-options'] } : {}) })
  await waitUntil(() => /consuming events from the broker/.test(svc.output()), 30_000, 'the service to start consuming', 2)
  const started = performance.now()
  await waitForCount(() => count(db.pool), total, 300_000, 'the service to commit every event')
  const seconds = (performance.now() - started) / 1000
  const sentAtEnd = smtp?.count() ?? 0
  const peakRssMb = svc.peakRssMb()
  const notifications = Number((await db.pool.query('SELECT count(*)::int AS n FROM notifications')).rows[0].n)
  const emails = Number((await db.pool.query('SELECT count(*)::int AS n FROM email_outbox')).rows[0].n)
  if (notifications !== total * 3 || emails !== total * 3) throw new Error(`expected ${total * 3} rows each, got ${notifications} notifications and ${emails} emails`)
  await svc.stop()
  await db.db.destroy()
  await db.drop()
  await deleteBrokerNames(exchange, queue)
  return { rate: total / seconds, peakRssMb, sentAtEnd }
}

console.log(`ingest: ${total.toLocaleString('en')} booking.created events, 3 notifications + 3 emails each`)
const base = await handWrittenDrain(events)
const svc = await service()
const ratio = svc.rate / base
// Ingest first, deliveries right after: a burst with email delivery on must not be slowed by it.
const sink = await startCountingSink()
const sending = await service(sink)
await sink.stop()
await report(
  'ingest',
  [
    { figure: 'events/s committed', value: svc.rate, unit: 'events/s', baseline: base, target: '≥ 0.7 of baseline', met: ratio >= 0.7 },
    { figure: 'rows/s (notifications + emails)', value: svc.rate * 6, unit: 'rows/s', baseline: base * 6 },
    { figure: 'events/s committed while the same instance sends email', value: sending.rate, unit: 'events/s', baseline: base, target: '≥ 0.7 of baseline', met: sending.rate / base >= 0.7 },
    { figure: 'peak RSS of the service', value: svc.peakRssMb, unit: 'MB', target: '≤ 200 MB', met: svc.peakRssMb <= 200 },
  ],
  [
    'Baseline: amqplib consume (prefetch 1000) + one multi-row INSERT per table per 500 messages, no validation, no idempotency.',
    `With email on, the service also has SMTP_URL (a counting sink) and sends; it had sent ${sending.sentAtEnd} of ${total * 3} emails when the last event was committed, and sends the rest right after.`,
  ],
)
