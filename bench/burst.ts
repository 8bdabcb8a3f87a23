/**
 * Burst with every channel on (issue 10): N booking.created already in the queue, drained by
 * the built service while it sends email (to a counting SMTP sink), push (to a local HTTPS
 * push service), SMS (to an SMSC) and notification.created webhooks (to a counting receiver).
 * Baseline, same run: the hand-written drain with no channels (as in bench:ingest).
 * Measures (a) events/s until every event's notifications are committed, as a ratio to the
 * baseline; (b) deliveries per channel sent by then, and the time until every one is sent;
 * (c) peak RSS. Then checks that every delivery arrived exactly once.
 * usage: npm run bench:burst [-- --events 30000] [--timeout-s 1800]
 */
import { parseArgs } from 'node:util'
import type { Kysely } from 'kysely'
import type { Database } from '../src/db/schema.js'
import type { ChannelName } from '../src/domain/delivery-channels.js'
import { createEndpoint } from '../src/delivery/webhook/endpoint-store.js'
import { generateVapidKeys } from '../src/delivery/web-push/vapid-keys.js'
import { PushService } from '../test/helpers/push-service.js'
import { TestSmsc } from '../test/helpers/smsc.js'
import { WebhookReceiver } from '../test/helpers/webhook-receiver.js'
import { countProcessedEvents, freshDatabase, handWrittenDrain } from './hand-written-drain.js'
import { AMQP_URL, type Row, bookingEvent, deleteBrokerNames, fillQueue, report, sleep, startBuiltService, uniqueName, waitForCount, waitUntil } from './lib.js'
import { startCountingSink } from './smtp-counter.js'

const { values } = parseArgs({ options: { events: { type: 'string', default: '30000' }, 'timeout-s': { type: 'string' } } })
const total = Number(values.events)
// Email is the slowest channel (three per event); a quiet machine needs far less than this.
const timeoutMs = Number(values['timeout-s'] ?? 300 + total * 0.05) * 1000

// The booker of event i is user-(i % 5000) (bookingEvent); each has a phone, so SMS can be planned.
const phoneOf = (userId: string) => `+49151${userId.replace(/\D/g, '').padStart(7, '0')}`
const events = Array.from({ length: total }, (_, i) => {
  const event = bookingEvent(i)
  return { ...event, data: { ...event.data, user: { ...event.data.user, phone: phoneOf(event.data.user.id) } } }
})
const bookers = [...new Set(events.map((e) => e.data.user.id))]
// Per event: booker + two hall admins in-app and by email; the booker by push and SMS; a webhook per notification.
const expected: Record<ChannelName, number> = { email: total * 3, push: total, sms: total, webhook: total * 3 }
const CHANNELS = Object.keys(expected) as ChannelName[]

/** What the API would write for each booker: one push subscription, and SMS chosen on for booking_confirmed. */
async function seedBookers(db: Kysely<Database>, push: PushService): Promise<void> {
  for (let i = 0; i < bookers.length; i += 1000) {
    const chunk = bookers.slice(i, i + 1000)
    await db.insertInto('push_subscriptions').values(chunk.map((userId) => {
      const browser = push.subscribe()
      return { user_id: userId, endpoint: browser.endpoint, p256dh: browser.keys.p256dh, auth: browser.keys.auth }
    })).execute()
    // booking_confirmed is not texted by default (only cancellations and urgent changes are).
    await db.insertInto('preferences').values(chunk.map((userId) => ({ user_id: userId, type: 'booking_confirmed', channel: 'sms' as const, enabled: true }))).execute()
  }
}

/** Counts per channel at the peers, and the keys that would show a message received twice. */
function peers(sink: Awaited<ReturnType<typeof startCountingSink>>, emailIds: string[], push: PushService, smsc: TestSmsc, receiver: WebhookReceiver) {
  // An SMS of several parts is one delivery: count the first parts.
  const smsDeliveries = () => smsc.submits.filter((s) => !s.concat || s.concat.seq === 1)
  return {
    counts: (): Record<ChannelName, number> => ({ email: sink.count(), push: push.counted, sms: smsDeliveries().length, webhook: receiver.calls.length }),
    keys: (): Record<ChannelName, (string | undefined)[]> => ({
      email: emailIds,
      // One push per booking, and the Topic is the booking's: a repeated topic is a repeated push.
      push: push.countedTopics,
      sms: smsDeliveries().map((s) => `${s.to} ${s.text}`),
      webhook: receiver.calls.map((c) => c.headers['webhook-id'] as string | undefined),
    }),
  }
}

async function burst() {
  const emailIds: string[] = []
  const sink = await startCountingSink((head) => emailIds.push(/^Message-ID:\s*(<[^>\s]+>)/im.exec(head)?.[1] ?? 'none'))
  const smsc = new TestSmsc()
  await smsc.start()
  const vapid = { ...generateVapidKeys(), subject: 'mailto:bench@example.com' }
  const push = new PushService({ vapidPublicKey: vapid.publicKey, subject: vapid.subject, countOnly: true })
  await push.start()
  const receiver = new WebhookReceiver()
  await receiver.start()
  const at = peers(sink, emailIds, push, smsc, receiver)

  const db = await freshDatabase('burst')
  await seedBookers(db.db, push)
  const { secret } = await createEndpoint(db.db, { url: receiver.url, events: ['notification.created'], description: 'burst benchmark' })
  receiver.secrets = [secret]
  const exchange = uniqueName('bench.burst')
  const queue = uniqueName('bench.burst.q')
  await fillQueue(exchange, queue, events)

  const svc = startBuiltService({
    DATABASE_URL: db.url, AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE: queue, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1',
    SMTP_URL: sink.url, EMAIL_POLL_MS: '50',
    SMS_URL: smsc.url(),
    WEB_PUSH_PUBLIC_KEY: vapid.publicKey, WEB_PUSH_PRIVATE_KEY: vapid.privateKey, WEB_PUSH_SUBJECT: vapid.subject,
    // Production refuses loopback endpoints; the peers here are all on it. The push service's certificate is self-signed.
    PUSH_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', NODE_EXTRA_CA_CERTS: push.caFile,
  })
  const alive = () => {
    if (svc.child.exitCode !== null) throw new Error(`service exited: ${svc.output().slice(-3000)}`)
  }
  await waitUntil(() => (alive(), /consuming events from the broker/.test(svc.output())), 30_000, 'the service to start consuming', 2)
  const started = performance.now()
  const seconds = () => (performance.now() - started) / 1000
  let lastProgress = 0
  const progress = (ingested: number) => {
    if (seconds() - lastProgress < 10) return
    lastProgress = seconds()
    const counts = at.counts()
    console.log(`${Math.round(seconds())} s: ingested ${ingested}/${total}; ${CHANNELS.map((c) => `${c} ${counts[c]}/${expected[c]}`).join(', ')}`)
  }

  await waitForCount(() => (alive(), countProcessedEvents(db.pool)), total, timeoutMs, 'the service to commit every event', progress)
  const ingestSeconds = seconds()
  const atIngest = at.counts()
  const notifications = Number((await db.pool.query('SELECT count(*)::int AS n FROM notifications')).rows[0].n)
  if (notifications !== total * 3) throw new Error(`expected ${total * 3} notifications when every event was committed, found ${notifications}`)

  const doneAt: Partial<Record<ChannelName, number>> = {}
  await waitUntil(() => {
    alive()
    const counts = at.counts()
    for (const channel of CHANNELS) if (doneAt[channel] === undefined && counts[channel] >= expected[channel]) doneAt[channel] = seconds()
    progress(total)
    return CHANNELS.every((c) => doneAt[c] !== undefined)
  }, timeoutMs, `every delivery to reach its peer (${JSON.stringify(at.counts())} of ${JSON.stringify(expected)})`)
  const allSentSeconds = seconds()
  // A delivery sent twice would arrive a moment later: give it that moment before counting.
  await sleep(2_000)
  const peakRssMb = svc.peakRssMb()

  const problems: string[] = []
  const counts = at.counts()
  const keys = at.keys()
  for (const channel of CHANNELS) {
    if (counts[channel] !== expected[channel]) problems.push(`${channel}: ${counts[channel]} received, expected ${expected[channel]}`)
    const unique = new Set(keys[channel])
    if (unique.size !== keys[channel].length || unique.has(undefined) || unique.has('none')) problems.push(`${channel}: ${keys[channel].length} received, ${unique.size} distinct ids`)
  }
  const unverified = receiver.calls.filter((c) => c.verifiedBy.length === 0).length
  if (unverified > 0) problems.push(`webhook: ${unverified} calls whose signature did not verify`)
  const webhookNotifications = new Set(receiver.calls.map((c) => (JSON.parse(c.body) as { data: { notification: { id: string } } }).data.notification.id))
  if (webhookNotifications.size !== total * 3) problems.push(`webhook: ${webhookNotifications.size} distinct notifications, expected ${total * 3}`)
  const rows = (await db.pool.query<{ channel: string; status: string; n: number }>('SELECT channel, status, count(*)::int AS n FROM deliveries GROUP BY channel, status')).rows
  for (const channel of CHANNELS) {
    const sent = rows.filter((r) => r.channel === channel && r.status === 'sent').reduce((n, r) => n + r.n, 0)
    if (sent !== expected[channel]) problems.push(`${channel}: ${sent} deliveries marked sent, expected ${expected[channel]}`)
  }
  const unfinished = rows.filter((r) => r.status !== 'sent')
  if (unfinished.length > 0) problems.push(`deliveries not sent: ${JSON.stringify(unfinished)}`)

  await svc.stop()
  await Promise.all([sink.stop(), smsc.stop(), push.stop(), receiver.stop()])
  await db.db.destroy()
  await db.drop()
  await deleteBrokerNames(exchange, queue)
  if (problems.length > 0) throw new Error(`the burst did not deliver exactly once:\n${problems.join('\n')}`)
  return { rate: total / ingestSeconds, ingestSeconds, atIngest, doneAt: doneAt as Record<ChannelName, number>, allSentSeconds, peakRssMb }
}

console.log(`burst: ${total.toLocaleString('en')} booking.created, every channel on; per event 3 notifications, 3 emails, 1 push, 1 SMS, 3 webhooks`)
// The drain before and after the service run, the faster one as the baseline: on a shared
// machine a neighbour's load during one drain should not flatter the ratio.
const before = await handWrittenDrain(events)
const run = await burst()
const after = await handWrittenDrain(events)
const base = Math.max(before, after)
const ratio = run.rate / base

const rows: Row[] = [
  { figure: 'in-app visible: events/s committed, every channel on', value: run.rate, unit: 'events/s', baseline: base, target: '≥ 0.7 of baseline', met: ratio >= 0.7 },
  ...CHANNELS.map((c) => ({ figure: `${c}: sent when ingest finished (of ${expected[c].toLocaleString('en')})`, value: run.atIngest[c], unit: 'msgs' })),
  ...CHANNELS.map((c) => ({ figure: `${c}: all sent, after the burst began`, value: run.doneAt[c], unit: 's' })),
  // A channel that finished during ingest has no "after ingest" rate: it kept up.
  ...CHANNELS.filter((c) => run.doneAt[c] > run.ingestSeconds).map((c) => ({ figure: `${c}: sent/s after ingest finished`, value: (expected[c] - run.atIngest[c]) / (run.doneAt[c] - run.ingestSeconds), unit: 'msg/s' })),
  { figure: 'every delivery on every channel sent, after the burst began', value: run.allSentSeconds, unit: 's' },
  { figure: 'peak RSS of the service', value: run.peakRssMb, unit: 'MB' },
]
await report('burst', rows, [
  `Ingest took ${run.ingestSeconds.toFixed(1)} s. Baseline: the hand-written drain of bench:ingest (amqplib, multi-row INSERTs, no validation, preferences, idempotency or channels), the faster of a run before (${Math.round(before)} events/s) and after (${Math.round(after)} events/s) the service's.`,
  'The service runs as in production (NODE_ENV=production, the built code, default settings but EMAIL_POLL_MS=50), with SMTP_URL to a counting sink, SMS_URL to an SMPP server, VAPID keys and a local HTTPS push service, and one webhook endpoint for notification.created. The peers run in the benchmark process and take their share of the cores.',
  `Each of the ${bookers.length.toLocaleString('en')} bookers has a phone in the event, one push subscription, and SMS chosen on for booking_confirmed (not texted by default), so every channel carries traffic. Hall admins get in-app and email only.`,
  'Checked after the run: every notification, every delivery marked sent, each peer received each message once (email Message-ID, push Topic per booking, SMS number and text, webhook-id, and one webhook per notification).',
])
