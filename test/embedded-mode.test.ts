import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { simpleParser } from 'mailparser'
import t from 'tap'
import { waitFor } from './helpers/app.js'
import { startService, waitForOutput } from './helpers/service-process.js'
import { SseClient } from './helpers/sse-client.js'

const root = join(import.meta.dirname, '..')

t.test('with no DATABASE_URL, AMQP_URL or SMTP_URL, the whole flow runs on one machine', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bookit-embedded-'))
  const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'development' }
  const service = startService(env)
  t.teardown(() => service.child.kill('SIGKILL'))
  await waitForOutput(service, /Server listening at http:\/\/127\.0\.0\.1:\d+/, 60_000)
  const base = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(service.output())![1]!
  t.equal(service.output().match(/Embedded mode:/g)?.length, 1, 'it says so at start, once')
  t.match(service.output(), /PostgreSQL embedded in .*no broker \(events over POST \/v1\/events only\).*emails written to .*mail as \.eml files/)

  // The README's way to mint tokens: the same secret, kept in DATA_DIR.
  const mint = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/token.ts'), ...args], { env: { ...process.env, ...env, JWT_SECRET: '' }, cwd: root }).toString().trim()
  const user = mint('--sub', 'u-42')
  const publisher = mint('--sub', 'booking-service', '--role', 'events:publish', '--source', '/booking-service', '--source', '/user-service')

  const stream = await SseClient.open(`${base}/v1/notifications/stream?access_token=${user}`)
  t.teardown(() => stream.close())
  t.equal(stream.status, 200)
  await stream.next((f) => f.event === 'unread-count')

  for (const name of ['booking.created', 'booking.cancelled', 'user.created']) {
    const response = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${publisher}`, 'content-type': 'application/cloudevents+json' },
      body: readFileSync(join(root, 'examples', `${name}.json`)),
    })
    t.equal(response.status, 202, `${name} accepted`)
  }

  const list = (await (await fetch(`${base}/v1/notifications`, { headers: { authorization: `Bearer ${user}` } })).json()) as { items: { type: string }[]; unreadCount: number }
  t.same(list.items.map((n: { type: string }) => n.type).sort(), ['booking_cancelled', 'booking_confirmed', 'welcome'])
  t.equal(list.unreadCount, 3)

  const live = await stream.next((f) => f.event === 'notification')
  t.match(JSON.parse(live.data!), { type: 'booking_confirmed' }, 'live updates work on the embedded database too')

  const mailDir = join(dataDir, 'mail')
  const files = await waitFor(() => {
    try {
      const found = readdirSync(mailDir).filter((f) => f.endsWith('.eml'))
      return found.length === 5 && found
    } catch {
      return false
    }
  }, { what: 'five captured emails' })
  const parsed = await Promise.all(files.map((f) => simpleParser(readFileSync(join(mailDir, f)))))
  const subjects = parsed.map((m) => m.subject).sort()
  t.same(subjects, [
    'Booking cancelled: Quarterly review on Tue, 1 Dec 2037, 10:00–12:30 (Europe/Berlin)',
    'Booking confirmed: Quarterly review on Tue, 1 Dec 2037, 10:00–12:30 (Europe/Berlin)',
    'Buchung storniert in Main Hall: Quarterly review',
    'Neue Buchung in Main Hall: Quarterly review',
    'Welcome to BookIT, Ada Lovelace',
  ])

  service.child.kill('SIGTERM')
  t.equal(await service.exited, 0, 'stops cleanly')

  // The data is kept: a restart finds the same notifications.
  const again = startService(env)
  t.teardown(() => again.child.kill('SIGKILL'))
  await waitForOutput(again, /Server listening at http:\/\/127\.0\.0\.1:\d+/, 60_000)
  const base2 = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(again.output())![1]!
  const count = await (await fetch(`${base2}/v1/notifications/unread-count`, { headers: { authorization: `Bearer ${user}` } })).json()
  t.same(count, { count: 3 }, 'kept in DATA_DIR across restarts')
  again.child.kill('SIGTERM')
  t.equal(await again.exited, 0)
})
