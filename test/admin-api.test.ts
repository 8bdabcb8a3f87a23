import t from 'tap'
import { sql } from 'kysely'
import pg from 'pg'
import { LIVENESS_LOCK_NAMESPACE } from '../src/delivery/instance-liveness.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { userCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

let rejecting = true
const smtp = new SmtpSink({ rejectRecipient: (address) => (rejecting && address === 'bounce@example.com' ? { code: 550, message: 'Mailbox unavailable' } : undefined) })
await smtp.start()
t.teardown(() => smtp.stop())
const { app, config } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url })
const operator = auth(app, 'ops-1', ['notifications:admin'])
const secret = 'Temp-Secret-For-Admin-Test'

await app.inject({
  method: 'POST',
  url: '/v1/events',
  headers: auth(app, 'user-service', ['events:publish']),
  payload: [
    userCreated({ id: 'u-bounce', email: 'bounce@example.com', name: 'Bounce' }, { temporaryPassword: secret }),
    ...Array.from({ length: 5 }, (_, i) => userCreated({ id: `u-${i}`, email: `user${i}@example.com`, name: `User ${i}` })),
  ],
})
await waitFor(async () => (await app.db.selectFrom('email_outbox').select('id').where('status', '=', 'pending').execute()).length === 0, { what: 'all final' })

type Delivery = { id: string; status: string; recipient: string; attempts: number; lastError: string | null }

t.test('list deliveries with filters and pages, never bodies or secrets', async (t) => {
  const all = await app.inject({ url: '/v1/admin/emails', headers: operator })
  t.equal(all.statusCode, 200)
  t.equal(all.json().items.length, 6)
  t.notMatch(all.body, secret, 'no secret')
  t.notMatch(all.body, /payload|html|"text"/, 'no bodies')

  const failed = (await app.inject({ url: '/v1/admin/emails?status=failed', headers: operator })).json<{ items: Delivery[] }>()
  t.same(failed.items.map((d) => d.recipient), ['bounce@example.com'])
  t.match(failed.items[0], { status: 'failed', attempts: 1, lastError: /550/ })

  const byRecipient = (await app.inject({ url: '/v1/admin/emails?recipient=user3@example.com', headers: operator })).json<{ items: Delivery[] }>()
  t.same(byRecipient.items.map((d) => d.recipient), ['user3@example.com'])

  const seen = new Set<string>()
  let cursor: string | null = null
  do {
    const page: { items: Delivery[]; nextCursor: string | null } = (await app.inject({ url: `/v1/admin/emails?limit=4${cursor ? `&cursor=${cursor}` : ''}`, headers: operator })).json()
    for (const d of page.items) seen.add(d.id)
    cursor = page.nextCursor
  } while (cursor)
  t.equal(seen.size, 6, 'pages cover every delivery once')

  t.equal((await app.inject({ url: '/v1/admin/emails?status=lost', headers: operator })).statusCode, 400)
  t.equal((await app.inject({ url: '/v1/admin/emails?cursor=zzz', headers: operator })).statusCode, 400)
})

t.test('retry a failed email', async (t) => {
  const [failed] = (await app.inject({ url: '/v1/admin/emails?status=failed', headers: operator })).json<{ items: Delivery[] }>().items
  rejecting = false
  const retry = await app.inject({ method: 'POST', url: `/v1/admin/emails/${failed!.id}/retry`, headers: operator })
  t.equal(retry.statusCode, 200)
  t.match(retry.json(), { id: failed!.id, status: 'pending', attempts: 0 })
  await waitFor(async () => (await app.db.selectFrom('email_outbox').select('status').where('id', '=', failed!.id).executeTakeFirst())?.status === 'sent', { what: 'sent on retry' })
  const delivered = smtp.to('bounce@example.com')
  t.equal(delivered.length, 1, 'delivered once')
  t.notMatch(delivered[0]!.parsed.text, secret, 'the temporary password was erased when the email failed; it is not sent later')

  const again = await app.inject({ method: 'POST', url: `/v1/admin/emails/${failed!.id}/retry`, headers: operator })
  t.equal(again.statusCode, 409, 'a sent email cannot be retried')
  t.match(again.json().message, /only failed emails can be retried \(this one is sent\)/)
  t.equal((await app.inject({ method: 'POST', url: '/v1/admin/emails/00000000-0000-4000-8000-000000000000/retry', headers: operator })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/v1/admin/emails/nonsense/retry', headers: operator })).statusCode, 404)
})

t.test('writes are rate limited per user: the documented 300 a minute, the 301st is refused', async (t) => {
  const LIMIT = 300
  const headers = auth(app, 'busy-writer')
  const statuses: number[] = []
  for (let i = 0; i < LIMIT + 1; i++) {
    const response = await app.inject({ method: 'POST', url: '/v1/notifications/read-all', headers })
    if (i === 0) t.equal(response.headers['x-ratelimit-limit'], String(LIMIT), 'the limit is announced')
    statuses.push(response.statusCode)
  }
  t.same(statuses.slice(0, LIMIT).filter((s) => s !== 200), [], `the first ${LIMIT} writes pass`)
  t.equal(statuses[LIMIT], 429, `write ${LIMIT + 1} is the first refused`)
  t.equal((await app.inject({ method: 'POST', url: '/v1/notifications/read-all', headers: auth(app, 'other-writer') })).statusCode, 200, 'another user is not affected')
  t.equal((await app.inject({ url: '/v1/notifications/unread-count', headers })).statusCode, 200, 'reads are not limited by writes')
})

t.test('deliveries of every channel for operators: filters, the holder of a claim, and ids that are not uuids', async (t) => {
  // A push delivery claimed by a live instance (one that holds its liveness lock on a session
  // of its own). No push channel runs in this app, so it stays pending under that claim.
  const holder = new pg.Client({ connectionString: config.databaseUrl })
  await holder.connect()
  t.teardown(() => holder.end().catch(() => {}))
  await holder.query('BEGIN')
  const instance = (await holder.query<{ id: string; lock_key: number }>(`INSERT INTO instances (host, pid) VALUES ('replica-7', 4242) RETURNING id, lock_key`)).rows[0]!
  await holder.query('SELECT pg_advisory_lock($1, $2)', [LIVENESS_LOCK_NAMESPACE, instance.lock_key])
  const push = (
    await holder.query<{ id: string }>(
      `INSERT INTO deliveries (channel, user_id, destination, notification_type, template, locale, payload, event_source, event_id, claimed_by, next_attempt_at)
       VALUES ('push', 'u-1', 'sub-1', 'booking_confirmed', 'booking-confirmed', 'en', '{"secretish": "no"}', '/test', 'e-1', $1, now() + interval '1 hour') RETURNING id`,
      [instance.id],
    )
  ).rows[0]!
  await holder.query('COMMIT')

  const all = (await app.inject({ url: '/v1/admin/deliveries', headers: operator })).json<{ items: { id: string; channel: string; heldBy: unknown }[] }>()
  t.equal(all.items.length, 7, 'six emails and one push delivery')
  const emails = (await app.inject({ url: '/v1/admin/deliveries?channel=email&status=sent', headers: operator })).json<{ items: { channel: string; status: string }[] }>()
  t.equal(emails.items.length, 6)
  t.ok(emails.items.every((d) => d.channel === 'email' && d.status === 'sent'))
  const pushes = (await app.inject({ url: '/v1/admin/deliveries?channel=push', headers: operator })).json<{ items: { id: string; heldBy: unknown; destination: string }[] }>()
  t.same(pushes.items.map((d) => d.id), [push.id])
  t.same(pushes.items[0]!.heldBy, { instanceId: instance.id, host: 'replica-7', pid: 4242 }, 'operators see which instance holds the claim')
  t.notMatch(JSON.stringify(all), /secretish|payload/, 'never the payload')
  t.equal((await app.inject({ url: '/v1/admin/deliveries?channel=fax', headers: operator })).statusCode, 400)
  t.equal((await app.inject({ url: '/v1/admin/deliveries?status=lost', headers: operator })).statusCode, 400)

  const conflict = await app.inject({ method: 'POST', url: `/v1/admin/deliveries/${push.id}/retry`, headers: operator })
  t.equal(conflict.statusCode, 409)
  t.match(conflict.json().message, /only failed deliveries can be retried \(this one is pending\)/)
  // Shaped like a uuid to a loose pattern, but not one: must be 404, never a 500 from the uuid cast.
  for (const id of ['nonsense', '-'.repeat(36), 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', '00000000-0000-4000-8000-000000000000']) {
    t.equal((await app.inject({ method: 'POST', url: `/v1/admin/deliveries/${id}/retry`, headers: operator })).statusCode, 404, `deliveries: ${id}`)
    t.equal((await app.inject({ method: 'POST', url: `/v1/admin/emails/${id}/retry`, headers: operator })).statusCode, 404, `emails: ${id}`)
  }
  t.equal((await app.inject({ method: 'POST', url: `/v1/admin/emails/${push.id}/retry`, headers: operator })).statusCode, 404, 'the email view does not reach a push delivery')

  // The holder's session ends (as when its process is killed): its claim is free within seconds, not after its hour.
  await holder.end()
  const freed = await waitFor(async () => {
    const row = await app.db.selectFrom('deliveries').select(['claimed_by', sql<boolean>`next_attempt_at <= now()`.as('due')]).where('id', '=', push.id).executeTakeFirstOrThrow()
    return row.claimed_by === null && row.due && row
  }, { what: 'the claim of a gone instance released', timeout: 10_000 })
  t.ok(freed, 'released and due at once')
  t.match((await app.inject({ url: '/metrics' })).body, /bookit_delivery_claims_taken_over_total 1/, 'and counted')
})
