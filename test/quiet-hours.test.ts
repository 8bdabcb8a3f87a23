import { sql } from 'kysely'
import t from 'tap'
import { quietHoursDeferral, quietHoursEnd, recipientZone } from '../src/domain/quiet-hours.js'
import { localParts, localTimeToInstant } from '../src/domain/zoned-time.js'
import type { BookitEvent } from '../src/domain/events.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { ada, bookingCancelled, bookingCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

// Built before the first subtest (see common test habits): the root test must not end meanwhile.
const smtp = new SmtpSink()
await smtp.start()
t.teardown(() => smtp.stop())
/** The app's clock: tests move it instead of sleeping. */
let now = new Date('2026-12-01T18:00:00Z')
const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url }, { clock: () => now })
const publisher = auth(app, 'booking-service', ['events:publish'])
const operator = auth(app, 'ops', ['notifications:admin'])

const iso = (d: Date | null) => d?.toISOString() ?? null
const at = (s: string) => new Date(s)
const night = { start: '22:00', end: '07:00' }

t.test('quiet hours end, in the zone, over midnight and across DST', async (t) => {
  // Europe/Berlin, winter (+01:00): 22:00-07:00 local is 21:00-06:00 UTC.
  t.equal(iso(quietHoursEnd(night, 'Europe/Berlin', at('2026-12-01T21:30:00Z'))), '2026-12-02T06:00:00.000Z', 'before midnight: ends tomorrow 07:00')
  t.equal(iso(quietHoursEnd(night, 'Europe/Berlin', at('2026-12-02T05:59:00Z'))), '2026-12-02T06:00:00.000Z', 'after midnight: ends today 07:00')
  t.equal(iso(quietHoursEnd(night, 'Europe/Berlin', at('2026-12-02T06:00:00Z'))), null, 'the end itself is outside')
  t.equal(iso(quietHoursEnd(night, 'Europe/Berlin', at('2026-12-01T20:59:00Z'))), null, 'a minute before the start is outside')
  t.equal(iso(quietHoursEnd(night, 'Europe/Berlin', at('2026-12-01T21:00:00Z'))), '2026-12-02T06:00:00.000Z', 'the start itself is inside')
  t.equal(iso(quietHoursEnd({ start: '13:00', end: '14:00' }, 'Europe/Berlin', at('2026-12-01T12:30:00Z'))), '2026-12-01T13:00:00.000Z', 'a window within one day')

  // Spring forward, 2026-03-29: 02:00-03:00 does not exist in Berlin.
  t.equal(iso(localTimeToInstant({ year: 2026, month: 3, day: 29 }, 150, 'Europe/Berlin')), '2026-03-29T01:00:00.000Z', 'skipped 02:30 is the instant the clocks jump (03:00 CEST)')
  t.equal(iso(quietHoursEnd({ start: '22:00', end: '02:30' }, 'Europe/Berlin', at('2026-03-28T23:30:00Z'))), '2026-03-29T01:00:00.000Z', 'quiet hours ending at a skipped time end when the clocks jump')
  t.equal(iso(quietHoursEnd(night, 'Europe/Berlin', at('2026-03-29T02:00:00Z'))), '2026-03-29T05:00:00.000Z', 'after the change the night ends at 07:00 CEST (05:00 UTC)')
  // Fall back, 2026-10-25: 02:00-03:00 happens twice.
  t.equal(iso(localTimeToInstant({ year: 2026, month: 10, day: 25 }, 150, 'Europe/Berlin')), '2026-10-25T00:30:00.000Z', 'repeated 02:30 is its first occurrence (CEST)')
  t.equal(iso(quietHoursEnd({ start: '22:00', end: '02:30' }, 'Europe/Berlin', at('2026-10-25T00:10:00Z'))), '2026-10-25T00:30:00.000Z', 'ends at the first 02:30')
  t.equal(iso(quietHoursEnd({ start: '22:00', end: '02:30' }, 'Europe/Berlin', at('2026-10-25T01:10:00Z'))), null, 'the second pass through 02:10 is after the end')
  t.equal(iso(quietHoursEnd(night, 'Europe/Berlin', at('2026-10-25T05:30:00Z'))), '2026-10-25T06:00:00.000Z', 'after the change the night ends at 07:00 CET (06:00 UTC)')

  // A 30-minute offset: Asia/Kolkata is +05:30 all year.
  t.equal(iso(quietHoursEnd(night, 'Asia/Kolkata', at('2026-12-01T18:00:00Z'))), '2026-12-02T01:30:00.000Z', 'Kolkata 23:30 -> ends 07:00 IST')
  t.equal(iso(quietHoursEnd(night, 'Asia/Kolkata', at('2026-12-01T16:00:00Z'))), null, 'Kolkata 21:30 is outside')
  // South of the equator: Sydney is +11:00 in December (summer time), +10:00 in July.
  t.equal(iso(quietHoursEnd(night, 'Australia/Sydney', at('2026-12-01T12:00:00Z'))), '2026-12-01T20:00:00.000Z', 'Sydney summer 23:00 -> 07:00 AEDT')
  t.equal(iso(quietHoursEnd(night, 'Australia/Sydney', at('2026-07-01T12:00:00Z'))), '2026-07-01T21:00:00.000Z', 'Sydney winter 22:00 -> 07:00 AEST')
  // Sydney springs forward on 2026-10-04 at 02:00 -> 03:00.
  t.equal(iso(quietHoursEnd({ start: '23:00', end: '02:30' }, 'Australia/Sydney', at('2026-10-03T15:30:00Z'))), '2026-10-03T16:00:00.000Z', 'a skipped Sydney end is the jump (03:00 AEDT)')
  t.equal(localParts(at('2026-10-03T16:00:00Z'), 'Australia/Sydney').hour, 3)
})

t.test('what is deferred: not in-app, not urgent; the person\'s zone, else the hall\'s, else UTC', async (t) => {
  const created = bookingCreated({ user: { ...ada, timeZone: 'Asia/Kolkata' } as typeof ada }) as unknown as BookitEvent
  t.equal(recipientZone(created, ada.id), 'Asia/Kolkata')
  t.equal(recipientZone(created, 'u-9'), 'Europe/Berlin', "the hall's zone for an admin without one")
  t.equal(recipientZone(bookingCreated({ hall: { timeZone: undefined } }) as unknown as BookitEvent, 'u-9'), 'UTC')
  const when = at('2026-12-01T18:00:00Z')
  const email = { channel: 'email', userId: ada.id, notificationType: 'booking_confirmed' }
  t.equal(iso(quietHoursDeferral(created, email, night, when)?.until ?? null), '2026-12-02T01:30:00.000Z')
  t.equal(quietHoursDeferral(created, { ...email, channel: 'webhook' }, night, when), null, 'webhooks go to systems, not people')
  t.equal(quietHoursDeferral(created, email, undefined, when), null, 'no quiet hours set')
  const kolkata = { ...ada, timeZone: 'Asia/Kolkata' } as typeof ada
  const soon = bookingCancelled({ user: kolkata, booking: { startsAt: '2026-12-02T09:00:00Z', endsAt: '2026-12-02T10:00:00Z' } }) as unknown as BookitEvent
  const later = bookingCancelled({ user: kolkata, booking: { startsAt: '2026-12-05T09:00:00Z', endsAt: '2026-12-05T10:00:00Z' } }) as unknown as BookitEvent
  t.equal(quietHoursDeferral(soon, { channel: 'sms', userId: ada.id, notificationType: 'booking_cancelled' }, night, when), null, 'a cancellation < 24 h before the start is urgent')
  t.ok(quietHoursDeferral(later, { channel: 'sms', userId: ada.id, notificationType: 'booking_cancelled' }, night, when), 'four days ahead: it waits')
  t.ok(quietHoursDeferral(soon, { channel: 'push', userId: ada.id, notificationType: 'booking_confirmed' }, night, when), 'a confirmation is never urgent')
})

t.test('API: quiet hours are null until set, PUT sets and null clears, bad times are 400', async (t) => {
  const headers = auth(app, 'q-api')
  t.same((await app.inject({ url: '/v1/preferences/quiet-hours', headers })).json(), null)
  const put = await app.inject({ method: 'PUT', url: '/v1/preferences/quiet-hours', headers, payload: { start: '22:00', end: '07:00' } })
  t.equal(put.statusCode, 200)
  t.same(put.json(), { start: '22:00', end: '07:00' })
  t.same((await app.inject({ url: '/v1/preferences/quiet-hours', headers })).json(), { start: '22:00', end: '07:00' })
  t.same((await app.inject({ url: '/v1/preferences/quiet-hours', headers: auth(app, 'q-other') })).json(), null, 'per user')
  for (const payload of [{ start: '25:00', end: '07:00' }, { start: '7:00', end: '08:00' }, { start: '22:00' }, { start: '22:00', end: '22:00' }, { start: '22:00', end: '07:00', zone: 'x' }, { start: 22, end: 7 }, 'late']) {
    const res = await app.inject({ method: 'PUT', url: '/v1/preferences/quiet-hours', headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.ok(res.json().message, 'with a message')
  }
  const cleared = await app.inject({ method: 'PUT', url: '/v1/preferences/quiet-hours', headers: { ...headers, 'content-type': 'application/json' }, payload: 'null' })
  t.equal(cleared.statusCode, 200)
  t.same(cleared.json(), null)
  t.same((await app.inject({ url: '/v1/preferences/quiet-hours', headers })).json(), null, 'cleared')
  t.equal((await app.inject({ url: '/v1/preferences/quiet-hours' })).statusCode, 401)
})

t.test('an email in quiet hours waits until they end in the user\'s zone, then goes; in-app at once; urgent goes through', async (t) => {
  now = new Date('2026-12-01T18:00:00Z') // 23:30 in Kolkata
  const zoned = { ...ada, id: 'u-quiet', email: 'quiet@example.com', timeZone: 'Asia/Kolkata' } as typeof ada
  const awake = { ...ada, id: 'u-awake', email: 'awake@example.com' }
  await app.inject({ method: 'PUT', url: '/v1/preferences/quiet-hours', headers: auth(app, zoned.id), payload: night })
  const sent = smtp.received.length
  const deferred = bookingCreated({ user: zoned, admins: [] })
  const urgent = bookingCancelled({ user: zoned, admins: [], booking: { startsAt: '2026-12-02T09:00:00Z', endsAt: '2026-12-02T10:00:00Z' } })
  const lateAnyway = bookingCreated({ user: zoned, admins: [], booking: { title: 'Over before morning', startsAt: '2026-12-02T00:00:00Z', endsAt: '2026-12-02T01:00:00Z' } })
  const other = bookingCreated({ user: awake, admins: [] })
  const res = await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: [deferred, urgent, lateAnyway, other] })
  t.equal(res.statusCode, 202)

  const row = await app.db.selectFrom('deliveries').selectAll().where('event_id', '=', deferred.id).executeTakeFirstOrThrow()
  t.equal(iso(row.next_attempt_at), '2026-12-02T01:30:00.000Z', 'due at 07:00 in Kolkata')
  t.equal(iso(row.deferred_until), '2026-12-02T01:30:00.000Z')
  t.match(row.deferral_reason, /quiet hours 22:00-07:00 \(Asia\/Kolkata\)/)
  const listed = (await app.inject({ url: `/v1/admin/deliveries?channel=email&status=pending`, headers: operator })).json().items as { id: string; deferredUntil: string | null; deferralReason: string | null }[]
  t.match(listed.find((d) => d.id === row.id), { deferredUntil: '2026-12-02T01:30:00.000Z', deferralReason: /quiet hours/ }, 'operators see the deferral')
  t.equal((await app.db.selectFrom('notifications').select('id').where('event_id', '=', deferred.id).execute()).length, 1, 'the in-app notification is there at once')

  // The urgent cancellation and the other user's email go now; the deferred ones stay untouched.
  await waitFor(() => smtp.received.length >= sent + 2, { what: 'the urgent email and the other user\'s' })
  t.same(smtp.received.slice(sent).map((m) => m.to).sort(), ['awake@example.com', 'quiet@example.com'])
  t.match(smtp.received.slice(sent).find((m) => m.to === 'quiet@example.com')?.parsed.subject, /cancel/i, 'the urgent one is the cancellation')
  const waiting = await app.db.selectFrom('deliveries').select(['status', 'attempts']).where('event_id', 'in', [deferred.id, lateAnyway.id]).execute()
  t.same(waiting, [{ status: 'pending', attempts: 0 }, { status: 'pending', attempts: 0 }], 'not tried while quiet')
  // Held on purpose is not stuck: the oldest-pending gauge (and its alert) ignores them until
  // due. Made two hours old here, as they would be by the end of a night.
  await sql`UPDATE deliveries SET created_at = created_at - interval '2 hours' WHERE event_id IN (${deferred.id}, ${lateAnyway.id})`.execute(app.db)
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, /^bookit_deliveries_pending\{channel="email"\} [1-9]/m, 'they count as pending')
  const oldest = Number(/^bookit_delivery_oldest_pending_age_seconds\{channel="email"\} (\S+)$/m.exec(metrics)?.[1])
  t.ok(oldest < 3600, `but not as waiting past their time (oldest pending: ${oldest} s)`)

  now = new Date('2026-12-02T01:30:01Z')
  app.deliveries.wake()
  await waitFor(async () => (await app.db.selectFrom('deliveries').select('status').where('event_id', '=', deferred.id).executeTakeFirstOrThrow()).status === 'sent', { what: 'the deferred email sent at the end' })
  const last = await waitFor(async () => {
    const r = await app.db.selectFrom('deliveries').select(['status', 'last_error']).where('event_id', '=', lateAnyway.id).executeTakeFirstOrThrow()
    return r.status !== 'pending' && r
  }, { what: 'the late one final' })
  t.match(last, { status: 'expired', last_error: /expired/ }, 'deferred past its expiresAt: expired, as any late delivery')
  t.equal(smtp.received.filter((m) => m.to === 'quiet@example.com').length, 2, 'the cancellation, then the confirmation; the expired one never')
})
