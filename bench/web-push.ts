/**
 * Web Push: deliveries per second from the channel to a local HTTPS push service (which
 * only counts), against a raw `web-push` sendNotification loop to the same service, same
 * run, same concurrency, same keep-alive agent. The channel also looks up each subscription
 * and the recipient's unread count in PostgreSQL, as it does in the service.
 * usage: node --import tsx bench/web-push.ts [--messages 1000] [--concurrency 20]
 */
import { randomUUID } from 'node:crypto'
import { Agent } from 'node:https'
import { rootCertificates } from 'node:tls'
import { parseArgs } from 'node:util'
import pino from 'pino'
import webPush from 'web-push'
import { loadConfig } from '../src/config.js'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import type { DeliveryJob } from '../src/delivery/channel.js'
import { composePush } from '../src/delivery/web-push/compose-push.js'
import { createWebPushChannel } from '../src/delivery/web-push/index.js'
import { saveSubscription } from '../src/delivery/web-push/subscription-store.js'
import { createMetrics } from '../src/metrics.js'
import { PushService } from '../test/helpers/push-service.js'
import { report, uniqueName } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'

const { values } = parseArgs({ options: { messages: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '20' } } })
const total = Number(values.messages)
const concurrency = Number(values.concurrency)

const scratch = await createScratchDatabase('push')
const config = { ...loadConfig({ NODE_ENV: 'test', DATABASE_URL: scratch.url, DATA_DIR: `/tmp/${uniqueName('bench-push')}`, JWT_SECRET: 'x'.repeat(32), PUSH_ALLOWED_HOSTS: '127.0.0.1' }), databaseUrl: scratch.url }
const vapid = config.webPush!
const { db } = connectDatabase(scratch.url, { max: concurrency })
await migrateToLatest(db)

const service = new PushService({ vapidPublicKey: vapid.publicKey, subject: vapid.subject, countOnly: true })
await service.start()
// One subscription per message, each another user's device (a user keeps at most 20).
const browsers = Array.from({ length: total }, () => service.subscribe())
const ids: string[] = []
for (const [i, b] of browsers.entries()) ids.push(await saveSubscription(db, `u-bench-${i}`, { endpoint: b.endpoint, p256dh: b.keys.p256dh, auth: b.keys.auth }))

const job = (destination: string, i: number): DeliveryJob => ({
  id: randomUUID(), channel: 'push', userId: `u-bench-${i}`, destination, notificationType: 'booking_confirmed', notificationId: randomUUID(),
  template: 'push', locale: 'en', payload: { title: 'Booking confirmed', body: 'Quarterly review, Main Hall, Tue 1 Dec 10:00–12:30 CET', bookingId: 'b-7' }, attempts: 1, createdAt: new Date(),
})

async function pool(count: number, each: (i: number) => Promise<void>): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await each(next++)
  }))
  return count / ((performance.now() - started) / 1000)
}

// Baseline: the library's own send, with the message the channel would compose.
const agent = new Agent({ keepAlive: true, maxSockets: 50, ca: [...rootCertificates, service.ca] })
const push = composePush(job(ids[0]!, 0), { appUrl: config.appUrl, unreadCount: 0 })
const plaintext = JSON.stringify(push.message)
const options = { vapidDetails: vapid, TTL: push.ttlSeconds, urgency: push.urgency, topic: push.topic, agent }
const rawOne = (i: number) => webPush.sendNotification(browsers[i]!, plaintext, options).then(() => {})

const channel = createWebPushChannel({ config, db, log: pino({ level: 'silent' }), metrics: createMetrics() }, { ca: service.ca })
const signal = new AbortController().signal
let failures = 0
const sendOne = async (i: number) => {
  const outcome = await channel.send(job(ids[i]!, i), signal)
  if (outcome.kind !== 'sent') failures++
}

// Alternating rounds, best of each: the machine is shared, and a neighbour's burst should not decide the ratio.
await pool(Math.min(100, total), rawOne)
await pool(Math.min(100, total), sendOne)
const raw: number[] = []
const ours: number[] = []
for (let round = 0; round < 3; round++) {
  raw.push(await pool(total, rawOne))
  ours.push(await pool(total, sendOne))
}
const baseline = Math.max(...raw)
const rate = Math.max(...ours)
agent.destroy()
await channel.close()
if (failures > 0) throw new Error(`${failures} channel sends were not accepted`)

await service.stop()
await db.destroy()
await scratch.drop()

await report(
  'web-push',
  [{ figure: 'push deliveries/s', value: rate, unit: 'msg/s', baseline, target: '≥ 0.8 of baseline', met: rate / baseline >= 0.8 }],
  [`Rounds (msg/s): channel ${ours.map(Math.round).join(', ')}; raw web-push ${raw.map(Math.round).join(', ')}.`, `${total.toLocaleString('en')} messages per round, ${concurrency} at a time, each to its own subscription on a local HTTPS push service that only counts. The channel also reads the subscription and the unread count from PostgreSQL per message and signs one VAPID JWT per push service an hour; the baseline (web-push sendNotification, same agent) signs one per message.`],
)
