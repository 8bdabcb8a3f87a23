import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import type { SendOutcome } from '../src/delivery/channel.js'
import { auth, build, createTestDatabase } from './helpers/app.js'
import { ada } from './helpers/events.js'
import { PushService } from './helpers/push-service.js'

/**
 * In a process of its own, the channel trusts a push service's CA the way an operator sets
 * it up: NODE_EXTRA_CA_CERTS, read by Node at start (no `ca` option in the code path).
 */
const DATABASE_URL = await createTestDatabase(t)
const { app, config } = await build(t, { DATABASE_URL, PUSH_ALLOWED_HOSTS: '127.0.0.1' }, { sendEmails: false })
const service = new PushService({ vapidPublicKey: config.webPush!.publicKey, subject: config.webPush!.subject })
await service.start()
t.teardown(() => service.stop())

const src = (file: string) => pathToFileURL(join(import.meta.dirname, '..', 'src', file)).href
// One send through the channel as the service would build it: config from the environment.
const script = `
  import { loadConfig } from '${src('config.js')}'
  import { connectDatabase } from '${src('db/connect.js')}'
  import { createMetrics } from '${src('metrics.js')}'
  import { createWebPushChannel } from '${src('delivery/web-push/index.js')}'
  import pino from 'pino'
  const config = loadConfig(process.env)
  const { db } = connectDatabase(config.databaseUrl)
  const channel = createWebPushChannel({ config, db, log: pino({ level: 'silent' }), metrics: createMetrics() })
  const job = JSON.parse(process.env.PUSH_JOB)
  const outcome = await channel.send({ ...job, createdAt: new Date(job.createdAt) }, new AbortController().signal)
  await channel.close()
  await db.destroy()
  process.stdout.write(JSON.stringify(outcome))
`

async function sendInChild(extraEnv: Record<string, string>): Promise<{ outcome: SendOutcome; subscriptionId: string }> {
  const browser = service.subscribe()
  const id = (await app.inject({ method: 'POST', url: '/v1/push/subscriptions', headers: auth(app, ada.id), payload: { endpoint: browser.endpoint, keys: browser.keys } })).json().id as string
  const job = { id: randomUUID(), channel: 'push', userId: ada.id, destination: id, notificationType: 'booking_confirmed', notificationId: randomUUID(), template: 'push', locale: 'en', payload: { title: 'Booking confirmed', body: 'See you there', bookingId: 'b-1' }, attempts: 1, createdAt: new Date() }
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL, DATA_DIR: config.dataDir, JWT_SECRET: 'x'.repeat(32), PUSH_ALLOWED_HOSTS: '127.0.0.1', PUSH_JOB: JSON.stringify(job), ...extraEnv }
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, cwd: join(import.meta.dirname, '..'), timeout: 60_000 })
  return { outcome: JSON.parse(stdout) as SendOutcome, subscriptionId: browser.id }
}

t.test('with NODE_EXTRA_CA_CERTS the push is delivered and decrypts', async (t) => {
  const { outcome, subscriptionId } = await sendInChild({ NODE_EXTRA_CA_CERTS: service.caFile })
  t.equal(outcome.kind, 'sent', JSON.stringify(outcome))
  const [received] = service.messagesFor({ id: subscriptionId })
  t.equal(received?.message.title, 'Booking confirmed')
  t.same(service.refused, [])
})

t.test('without it the self-signed push service is not trusted', async (t) => {
  const { outcome, subscriptionId } = await sendInChild({})
  t.equal(outcome.kind, 'unreachable', JSON.stringify(outcome))
  t.match((outcome as { error: string }).error, /self-signed|certificate/)
  t.equal(service.messagesFor({ id: subscriptionId }).length, 0)
})
