import t from 'tap'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { userCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

let rejecting = true
const smtp = new SmtpSink({ rejectRecipient: (address) => (rejecting && address === 'bounce@example.com' ? { code: 550, message: 'Mailbox unavailable' } : undefined) })
await smtp.start()
t.teardown(() => smtp.stop())
const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url })
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
