import { execFile } from 'node:child_process'
import { createECDH, randomBytes, randomUUID } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { erasedUserHash } from '../src/store/user-erasure.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { type Person, bookingCancelled, bookingCreated, userCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'
import { TestSmsc } from './helpers/smsc.js'
import { SseClient } from './helpers/sse-client.js'
import { WebhookReceiver } from './helpers/webhook-receiver.js'

const run = promisify(execFile)

/** pg_dump from PATH, else from the usual Debian place; the test says so when there is none. */
async function findPgDump(): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', 'command -v pg_dump'])
    if (stdout.trim()) return stdout.trim()
  } catch {
    // not on PATH: look where the server packages put it
  }
  const base = '/usr/lib/postgresql'
  if (!existsSync(base)) return undefined
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a))
  return versions.map((v) => join(base, v, 'bin', 'pg_dump')).find((p) => existsSync(p))
}

// contract section 1, user.deleted: everything the service holds about the user is erased;
// what was sent is reduced to counts; idempotent. Every channel is in play.
const smtp = new SmtpSink()
await smtp.start()
const smsc = new TestSmsc()
await smsc.start()
const receiver = new WebhookReceiver()
await receiver.start()
t.teardown(() => Promise.all([smtp.stop(), smsc.stop(), receiver.stop()]))
const databaseUrl = await createTestDatabase(t)
const { app } = await build(t, { DATABASE_URL: databaseUrl, SMTP_URL: smtp.url, SMS_URL: smsc.url() })
await app.listen({ port: 0, host: '127.0.0.1' })
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
await waitFor(() => app.notificationListener.connected, { what: 'the listener' })
const operator = auth(app, 'ops-1', ['notifications:admin'])
const publisher = auth(app, 'booking-service', ['events:publish'])
const endpoint = (await app.inject({ method: 'POST', url: '/v1/admin/webhooks', headers: operator, payload: { url: receiver.url, events: ['notification.created', 'delivery.sent'] } })).json()
receiver.secrets = [endpoint.secret]

const erin: Person & { phone: string } = { id: 'u-erin-4711', email: 'erin.erasmus@example.com', name: 'Erin Erasmus', locale: 'de', phone: '+4915199887766' }
const kim: Person = { id: 'u-kim-1', email: 'kim.keeper@example.com', name: 'Kim Keeper', locale: 'en' }
const olaf: Person = { id: 'u-olaf-2', email: 'olaf.other@example.com', name: 'Olaf Other', locale: 'en' }
const post = (events: unknown[]) => app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: events as object[] })
const notificationsOf = (userId: string) => app.db.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('created_at').execute()

t.test('a user on every channel is erased, twice, and a dump of the database holds nothing of theirs', async (t) => {
  const pgDump = await findPgDump()
  if (!pgDump) return t.fail('pg_dump is needed for this test (PostgreSQL client tools): not on PATH nor under /usr/lib/postgresql/*/bin')

  // SMS for the confirmation too, a browser subscribed for push, a stream ticket.
  t.equal((await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, erin.id), payload: { booking_confirmed: { sms: true } } })).statusCode, 200)
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const subscription = { endpoint: `https://push.example.com/send/${randomBytes(8).toString('hex')}`, keys: { p256dh: ecdh.getPublicKey('base64url', 'uncompressed'), auth: randomBytes(16).toString('base64url') } }
  t.equal((await app.inject({ method: 'POST', url: '/v1/push/subscriptions', headers: auth(app, erin.id), payload: subscription })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: '/v1/notifications/stream-tickets', headers: auth(app, erin.id) })).statusCode, 200)

  const erinsBooking = bookingCreated({ user: erin, admins: [kim], booking: { title: 'Erins Planungsrunde' } })
  const events = [
    userCreated(erin, { temporaryPassword: 'Tmp-Erin-0815' }),
    userCreated(kim),
    erinsBooking,
    bookingCancelled({ user: erin, admins: [kim], reason: 'Erin Erasmus ist krank' }),
    bookingCreated({ user: olaf, admins: [kim], booking: { title: 'Olafs review' } }),
  ]
  t.equal((await post(events)).statusCode, 202)
  // Some of Erin's messages go out first: sent ones are reduced to counts, not deleted.
  await waitFor(async () => smtp.to(erin.email).length >= 3 && smsc.submits.length >= 2, { what: "Erin's emails and SMS sent" })
  await waitFor(async () => receiver.calls.length >= 4, { what: 'webhooks called' })
  t.ok((await notificationsOf(erin.id)).length >= 3, 'Erin has notifications')
  const kimBefore = await notificationsOf(kim.id)
  t.match(kimBefore.map((n) => n.body).join('\n'), /Erin Erasmus/, "Kim's alerts name Erin")
  const olafBefore = await notificationsOf(olaf.id)
  // A sent mark follows the server's acceptance by up to a group's linger: wait for the marks.
  const sentOf = () => app.db.selectFrom('deliveries').select(['id', 'channel', 'notification_type']).where('user_id', '=', erin.id).where('status', '=', 'sent').orderBy('id').execute()
  const hasBoth = (rows: { channel: string }[]) => rows.some((d) => d.channel === 'email') && rows.some((d) => d.channel === 'sms')
  await waitFor(async () => hasBoth(await sentOf()), { what: "Erin's emails and SMS marked sent" })
  const erinsSent = await sentOf()
  t.ok(hasBoth(erinsSent), 'emails and SMS of hers were sent')

  // Erin's browser tab has a stream open: it is told everything is gone, and ends.
  const stream = await SseClient.open(`${base}/v1/notifications/stream`, auth(app, erin.id))
  t.teardown(() => stream.close())
  await stream.next((f) => f.event === 'unread-count')

  const deleted = { specversion: '1.0', id: randomUUID(), source: '/user-service', type: 'user.deleted', time: '2026-11-26T17:00:00Z', data: { user: { id: erin.id } } }
  const first = await post([deleted])
  t.equal(first.statusCode, 202)
  t.same(first.json(), { accepted: 1, duplicates: 0 })
  const frame = await stream.next((f) => f.event === 'notification-deleted')
  t.same(JSON.parse(frame.data!), { all: true }, 'the stream drops every notification')
  await waitFor(() => stream.ended, { what: 'the stream to end' })
  // Again, as a redelivery (a duplicate) and as a new event: nothing breaks, nothing returns.
  t.same((await post([deleted])).json(), { accepted: 0, duplicates: 1 })
  t.equal((await post([{ ...deleted, id: randomUUID() }])).statusCode, 202)

  const { stdout: dump } = await run(pgDump, ['--data-only', '--no-owner', databaseUrl], { maxBuffer: 64 * 1024 * 1024 })
  t.ok(dump.includes(kim.email) && dump.includes(olaf.name), 'the dump holds the others (so it would show Erin too)')
  for (const [what, value] of [
    ['id', erin.id],
    ['email address', erin.email],
    ['phone number', erin.phone],
    ['phone number as SMPP writes it', erin.phone.slice(1)],
    ['name', erin.name],
    ['temporary password', 'Tmp-Erin-0815'],
  ] as const) {
    t.notOk(dump.includes(value), `the dump holds no ${what}`)
  }

  t.same(await notificationsOf(erin.id), [], "Erin's notifications are gone")
  t.same((await app.inject({ url: '/v1/preferences', headers: auth(app, erin.id) })).json().booking_confirmed.sms, false, 'her preferences are back to defaults')
  t.same((await app.inject({ url: '/v1/push/subscriptions', headers: auth(app, erin.id) })).json().items, [], 'and her push subscriptions gone')
  const tombstone = await app.db.selectFrom('erased_users').selectAll().execute()
  t.same(tombstone.map((r) => r.id_hash), [erasedUserHash(erin.id)], 'one tombstone, a hash')
  const counted = await app.db.selectFrom('deliveries').select(['id', 'channel', 'notification_type', 'status', 'user_id', 'destination', 'payload']).where('id', 'in', erinsSent.map((d) => d.id)).orderBy('id').execute()
  t.same(counted, erinsSent.map((d) => ({ ...d, status: 'sent', user_id: null, destination: '', payload: {} })), 'what was sent still counts, as anonymous rows (channel, type, status)')
  t.same(await app.db.selectFrom('deliveries').select('id').where('status', '=', 'pending').where('user_id', 'is', null).where('channel', '<>', 'webhook').execute(), [], 'nothing anonymous is left to send')

  // The others keep their notifications; Kim's alerts about Erin lose her name only.
  const kimAfter = await notificationsOf(kim.id)
  t.same(kimAfter.map((n) => n.id), kimBefore.map((n) => n.id), 'Kim keeps every notification')
  t.match(kimAfter.map((n) => n.body).join('\n'), /\[deleted user\] booked "Erins Planungsrunde"/, 'with Erin as "[deleted user]"')
  t.same(await notificationsOf(olaf.id), olafBefore, "Olaf's are untouched")
})

t.test('events about an erased user later produce nothing, for them or about them', async (t) => {
  const before = await app.db.selectFrom('notifications').select('id').execute()
  const late = [userCreated(erin), bookingCreated({ user: erin, admins: [kim] }), bookingCreated({ user: olaf, admins: [erin] })]
  t.equal((await post(late)).statusCode, 202)
  const after = await app.db.selectFrom('notifications').select(['id', 'user_id', 'type']).execute()
  const fresh = after.filter((n) => !before.some((b) => b.id === n.id))
  t.same(fresh.map((n) => [n.user_id, n.type]), [[olaf.id, 'booking_confirmed']], "only Olaf's own confirmation; nothing for or about Erin")
  t.same(await app.db.selectFrom('deliveries').select('id').where('destination', '=', erin.email).execute(), [], 'no email to her')
})

t.test('a user.deleted in the same batch as events for that user wins, in either order', async (t) => {
  const zed: Person = { id: 'u-zed-3', email: 'zed@example.com', name: 'Zed Zebra', locale: 'en' }
  const deletion = () => ({ specversion: '1.0', id: randomUUID(), source: '/user-service', type: 'user.deleted', data: { user: { id: zed.id } } })
  t.equal((await post([userCreated(zed), bookingCreated({ user: zed, admins: [kim] }), deletion(), bookingCreated({ user: olaf, admins: [zed] })])).statusCode, 202)
  t.same(await notificationsOf(zed.id), [], 'nothing for Zed')
  t.same(await app.db.selectFrom('deliveries').select('id').where('user_id', '=', zed.id).execute(), [])
  t.notOk((await notificationsOf(kim.id)).some((n) => n.body.includes('Zed')), 'nothing about Zed for Kim')
})

t.test('a user.deleted without a user id is refused with the reason', async (t) => {
  const res = await post([{ specversion: '1.0', id: randomUUID(), source: '/user-service', type: 'user.deleted', data: { user: {} } }])
  t.equal(res.statusCode, 400)
  t.match(res.json().message, /data\.user.*id/)
})
