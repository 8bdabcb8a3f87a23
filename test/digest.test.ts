import t from 'tap'
import { collapseDigestLines, digestWindow } from '../src/domain/digest.js'
import { localParts } from '../src/domain/zoned-time.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { ada, bookingCancelled, bookingCreated, grace, konrad } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

// Two apps on one database, as two replicas; built before the first subtest.
const smtp = new SmtpSink()
await smtp.start()
t.teardown(() => smtp.stop())
/** Both apps' clock: tests move it instead of sleeping. */
let now = new Date('2026-12-01T10:15:00Z')
const DATABASE_URL = await createTestDatabase(t)
const { app: a } = await build(t, { DATABASE_URL, SMTP_URL: smtp.url }, { clock: () => now })
const { app: b } = await build(t, { DATABASE_URL, SMTP_URL: smtp.url }, { clock: () => now })
const publisher = auth(a, 'booking-service', ['events:publish'])
const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null)

async function digestsOf(userId: string) {
  return a.db.selectFrom('deliveries').selectAll().where('user_id', '=', userId).where('digest_window', 'is not', null).orderBy('created_at').execute()
}
async function moveClockAndWaitSent(to: string, digestId: string) {
  now = new Date(to)
  a.deliveries.wake()
  b.deliveries.wake()
  return waitFor(async () => {
    const row = await a.db.selectFrom('deliveries').select(['status', 'attempts']).where('id', '=', digestId).executeTakeFirstOrThrow()
    return row.status === 'sent' && row
  }, { what: 'the digest sent' })
}
const mailsTo = (address: string) => smtp.received.filter((m) => m.to === address)

t.test('digest windows: hourly at the local full hour, daily at DIGEST_DAILY_AT local across both Berlin DST changes', async (t) => {
  const spring = digestWindow('daily', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'), '08:00')
  t.same([iso(spring.start), iso(spring.end)], ['2026-03-28T07:00:00.000Z', '2026-03-29T06:00:00.000Z'], 'a 23-hour window')
  const fall = digestWindow('daily', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z'), '08:00')
  t.same([iso(fall.start), iso(fall.end)], ['2026-10-24T06:00:00.000Z', '2026-10-25T07:00:00.000Z'], 'a 25-hour window')
  for (const instant of [spring.start, spring.end, fall.start, fall.end]) t.match(localParts(instant, 'Europe/Berlin'), { hour: 8, minute: 0 }, `${iso(instant)} is 08:00 in Berlin`)
  t.equal(iso(digestWindow('daily', 'Europe/Berlin', new Date('2026-03-29T05:59:00Z'), '08:00').end), '2026-03-29T06:00:00.000Z', 'before 08:00: the window that ends today')
  t.equal(iso(digestWindow('daily', 'Europe/Berlin', new Date('2026-03-29T06:00:00Z'), '08:00').start), '2026-03-29T06:00:00.000Z', '08:00 itself starts the next')
  t.equal(iso(digestWindow('daily', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'), '02:30').end), '2026-03-29T01:00:00.000Z', 'a daily time the change skips: when the clocks jump')
  t.same([iso(digestWindow('hourly', 'Asia/Kolkata', new Date('2026-12-01T10:15:00Z'), '08:00').start), iso(digestWindow('hourly', 'Asia/Kolkata', new Date('2026-12-01T10:15:00Z'), '08:00').end)], ['2026-12-01T09:30:00.000Z', '2026-12-01T10:30:00.000Z'], 'Kolkata hours start at half past UTC')
  t.equal(iso(digestWindow('hourly', 'Europe/Berlin', new Date('2026-12-01T10:15:00Z'), '08:00').end), '2026-12-01T11:00:00.000Z')
  t.equal(digestWindow('daily', 'Australia/Sydney', new Date('2026-12-01T10:15:00Z'), '08:00').key, 'daily:2026-11-30T21:00:00.000Z', 'Sydney summer: 08:00 AEDT')
})

t.test('digest lines: one per booking; created then cancelled in one window shows once, as cancelled', async (t) => {
  const line = (bookingId: string, kind: 'created' | 'updated' | 'cancelled', eventTime: string) => ({ bookingId, kind, eventTime, details: { at: eventTime } })
  const lines = collapseDigestLines([line('b-1', 'cancelled', '2026-12-01T10:05:00Z'), line('b-1', 'created', '2026-12-01T10:00:00Z'), line('b-2', 'created', '2026-12-01T10:01:00Z'), line('b-2', 'updated', '2026-12-01T10:02:00Z'), line('b-3', 'updated', '2026-12-01T10:03:00Z')])
  t.same(lines.map((l) => [l.bookingId, l.kind]), [['b-2', 'created'], ['b-3', 'updated'], ['b-1', 'cancelled']])
  t.same(lines[0]!.details, { at: '2026-12-01T10:02:00Z' }, 'a created booking that changed shows its latest details')
})

t.test('preferences: digest for hall-admin types only, off by default', async (t) => {
  const headers = auth(a, 'd-api')
  t.equal((await a.inject({ url: '/v1/preferences', headers })).json().hall_booking_created.digest, 'off')
  const put = await a.inject({ method: 'PUT', url: '/v1/preferences', headers, payload: { hall_booking_created: { digest: 'daily' } } })
  t.equal(put.statusCode, 200)
  t.match(put.json(), { hall_booking_created: { digest: 'daily', email: true }, hall_booking_cancelled: { digest: 'off' } })
  t.notOk('digest' in put.json().booking_confirmed, 'not on a booker type')
  const wrongType = await a.inject({ method: 'PUT', url: '/v1/preferences', headers, payload: { booking_confirmed: { digest: 'daily' } } })
  t.equal(wrongType.statusCode, 400)
  t.match(wrongType.json().message, /booking_confirmed\/digest: only hall-admin types/)
  t.equal((await a.inject({ method: 'PUT', url: '/v1/preferences', headers, payload: { hall_booking_created: { digest: 'weekly' } } })).statusCode, 400)
  const off = await a.inject({ method: 'PUT', url: '/v1/preferences', headers, payload: { hall_booking_created: { digest: 'off' } } })
  t.equal(off.json().hall_booking_created.digest, 'off')
})

t.test('200 events for one admin in the same second across two apps: exactly one digest with 200 lines', async (t) => {
  now = new Date('2026-12-01T10:15:00Z')
  await a.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(a, grace.id), payload: { hall_booking_created: { digest: 'hourly' }, hall_booking_cancelled: { digest: 'hourly' } } })
  await a.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(a, ada.id), payload: { booking_confirmed: { email: false } } })
  const events = Array.from({ length: 200 }, (_, i) => bookingCreated({ admins: [grace], booking: { title: `Meeting ${i}` } }))
  // All at once, each its own request, alternating between the apps. A 503 (no pool
  // connection free in time on a loaded machine) is retried, as the contract tells publishers to.
  let retried = 0
  const post = async (app: typeof a, e: object) => {
    for (;;) {
      const res = await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: e })
      if (res.statusCode !== 503) return res
      retried++
    }
  }
  const answers = await Promise.all(events.map((e, i) => post(i % 2 ? a : b, e)))
  t.same([...new Set(answers.map((r) => r.statusCode))], [202])
  t.equal(answers.reduce((n, r) => n + r.json().accepted, 0), 200, 'each accepted once')
  if (retried > 0) t.comment(`${retried} requests answered 503 and were sent again`)

  const digests = await digestsOf(grace.id)
  t.equal(digests.length, 1, 'one digest row for the window')
  const digest = digests[0]!
  t.match(digest, { status: 'pending', attempts: 0, template: 'hall-admin-digest', destination: grace.email, deferral_reason: 'hourly digest' })
  t.equal(iso(digest.next_attempt_at), '2026-12-01T11:00:00.000Z', 'due at the end of the hour (12:00 in Berlin)')
  const items = await a.db.selectFrom('digest_items').select('booking_id').where('digest_id', '=', digest.id).execute()
  t.equal(items.length, 200)
  t.equal((await a.db.selectFrom('notifications').select('id').where('user_id', '=', grace.id).execute()).length, 200, 'the in-app notifications arrive at once')
  t.equal((await a.db.selectFrom('deliveries').select('id').where('user_id', '=', grace.id).where('template', '=', 'hall-admin-alert').execute()).length, 0, 'no email one by one')

  await moveClockAndWaitSent('2026-12-01T11:00:01Z', digest.id)
  const mails = mailsTo(grace.email)
  t.equal(mails.length, 1, 'exactly one digest email')
  const text = mails[0]!.parsed.text ?? ''
  t.equal(text.split('\n').filter((l) => l.startsWith('- New: Meeting ')).length, 200, '200 lines')
  t.match(mails[0]!.parsed.subject, /hourly booking digest: 200 new, 0 changed, 0 cancelled/)
  const headerBlock = mails[0]!.raw.replace(/\r?\n[ \t]+/g, ' ')
  t.match(headerBlock, /^List-Unsubscribe: <http[^>]+\/v1\/unsubscribe\?token=[\w.-]+>\r?$/m, 'with List-Unsubscribe')
  t.match(headerBlock, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m)

  // A line committed after its window's digest was claimed (here: a replica whose clock is
  // behind) goes into the next window, never into the sent one.
  now = new Date('2026-12-01T10:59:00Z')
  const straggler = bookingCreated({ admins: [grace], booking: { title: 'Straggler' } })
  await b.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: straggler })
  const after = await digestsOf(grace.id)
  t.equal(after.length, 2)
  t.equal(after[1]!.digest_window, 'hourly:2026-12-01T11:00:00.000Z', 'the next window')
  t.equal((await a.db.selectFrom('digest_items').select('id').where('digest_id', '=', digest.id).execute()).length, 200, 'the sent digest kept its 200 lines')
  await moveClockAndWaitSent('2026-12-01T12:00:01Z', after[1]!.id)
  t.equal(mailsTo(grace.email).length, 2)
  t.match(mailsTo(grace.email)[1]!.parsed.text, /- New: Straggler/)
})

t.test('created and cancelled in one window shows once, as cancelled; user text escaped', async (t) => {
  now = new Date('2026-12-01T12:10:00Z')
  const admin = { ...grace, id: 'u-adm2', email: 'adm2@example.com' }
  await a.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(a, admin.id), payload: { hall_booking_created: { digest: 'hourly' }, hall_booking_cancelled: { digest: 'hourly' } } })
  const created = bookingCreated({ admins: [admin], booking: { id: 'b-gone', title: '<b>Gone</b> & soon' } })
  const cancelled = bookingCancelled({ admins: [admin], booking: { id: 'b-gone', title: '<b>Gone</b> & soon' }, reason: 'Room flooded' })
  const kept = bookingCreated({ admins: [admin], booking: { id: 'b-kept', title: 'Kept' } })
  for (const e of [created, cancelled, kept]) await a.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: e })
  const [digest] = await digestsOf(admin.id)
  await moveClockAndWaitSent('2026-12-01T13:00:01Z', digest!.id)
  const [mail] = mailsTo(admin.email)
  t.match(mail!.parsed.subject, /1 new, 0 changed, 1 cancelled/)
  const lines = (mail!.parsed.text ?? '').split('\n').filter((l) => l.startsWith('- '))
  t.same(lines.map((l) => l.slice(0, 20)), ['- Cancelled: <b>Gone', '- New: Kept (Main Ha'], 'the cancelled booking once, as cancelled')
  t.match(lines[0], /Room flooded/)
  t.notMatch(mail!.parsed.html, /<b>Gone<\/b>/, 'HTML escapes user text')
  t.match(mail!.parsed.html, /&lt;b&gt;Gone&lt;\/b&gt; &amp; soon/)
})

t.test('daily digests across both Berlin DST changes: windows end at 08:00 local on each side', async (t) => {
  const admin = { ...konrad, id: 'u-adm3', email: 'adm3@example.com', timeZone: 'Europe/Berlin' } as typeof konrad
  await a.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(a, admin.id), payload: { hall_booking_created: { digest: 'daily' } } })
  const send = (title: string) => a.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: bookingCreated({ admins: [admin], booking: { title } }) })

  now = new Date('2026-03-28T20:00:00Z')
  await send('Before spring')
  let [first] = await digestsOf(admin.id)
  t.equal(first!.digest_window, 'daily:2026-03-28T07:00:00.000Z', 'from 08:00 CET')
  t.equal(iso(first!.next_attempt_at), '2026-03-29T06:00:00.000Z', 'to 08:00 CEST: 23 hours')
  await moveClockAndWaitSent('2026-03-29T06:00:01Z', first!.id)
  now = new Date('2026-03-29T07:00:00Z')
  await send('After spring')
  const spring = (await digestsOf(admin.id))[1]!
  t.equal(spring.digest_window, 'daily:2026-03-29T06:00:00.000Z')
  t.equal(iso(spring.next_attempt_at), '2026-03-30T06:00:00.000Z')
  await moveClockAndWaitSent('2026-03-30T06:00:01Z', spring.id)

  now = new Date('2026-10-24T20:00:00Z')
  await send('Before fall')
  const fall = (await digestsOf(admin.id))[2]!
  t.equal(fall.digest_window, 'daily:2026-10-24T06:00:00.000Z', 'from 08:00 CEST')
  t.equal(iso(fall.next_attempt_at), '2026-10-25T07:00:00.000Z', 'to 08:00 CET: 25 hours')
  await moveClockAndWaitSent('2026-10-25T07:00:01Z', fall.id)

  const mails = mailsTo(admin.email)
  t.equal(mails.length, 3, 'one digest per window')
  t.same(mails.map((m) => /- Neu: (.*?) \(/.exec(m.parsed.text ?? '')?.[1]), ['Before spring', 'After spring', 'Before fall'])
  t.match(mails[0]!.parsed.subject, /Ihre tägliche Buchungsübersicht: 1 neu/, 'in the admin\'s language')
})
