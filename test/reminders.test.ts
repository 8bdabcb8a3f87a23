import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import t from 'tap'
import type { Database } from '../src/db/schema.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { ada, bookingCancelled, bookingCreated, bookingUpdated, grace } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

// Reminders end to end: real PostgreSQL, HTTP ingest, the scheduler on a clock the test moves,
// and a real SMTP server.

const HOUR = 3_600_000
const smtp = new SmtpSink()
await smtp.start()
t.teardown(() => smtp.stop())

let now = Date.parse('2037-11-01T12:00:00Z')
const clock = () => new Date(now)

const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url, REMINDER_OFFSETS: '24h,1h', SCHEDULER_POLL_MS: '50' }, { clock })
const publisher = auth(app, 'booking-service', ['events:publish'])
const admin = auth(app, 'ops', ['notifications:admin'])

async function send(event: { id: string; [field: string]: unknown }) {
  const response = await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: event })
  if (response.statusCode !== 202) throw new Error(`event refused: ${response.body}`)
}

type Reminder = { bookingId: string; offsetSeconds: number; dueAt: string; status: string; startsAt: string }
async function reminders(bookingId: string): Promise<Reminder[]> {
  const response = await app.inject({ url: `/v1/admin/reminders?bookingId=${encodeURIComponent(bookingId)}`, headers: admin })
  if (response.statusCode !== 200) throw new Error(response.body)
  return (response.json().items as Reminder[]).sort((a, b) => b.offsetSeconds - a.offsetSeconds)
}

const reminderNotifications = async (db: Kysely<Database>, bookingId: string) =>
  (await sql<{ id: string; body: string }>`SELECT id, body FROM notifications WHERE type = 'booking_reminder' AND data->>'bookingId' = ${bookingId}`.execute(db)).rows

/** Moves the clock and waits until every job due by then is done (committed) by the scheduler. */
async function moveClockTo(at: number, db: Kysely<Database> = app.db) {
  now = at
  await waitFor(async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM scheduled_jobs WHERE status = 'scheduled' AND due_at <= ${new Date(at).toISOString()}::timestamptz`.execute(db)
    return rows[0]!.n === 0
  }, { what: 'due jobs done', timeout: 30_000 })
}

const newBooking = (startsAt: string, endsAt = new Date(Date.parse(startsAt) + HOUR).toISOString()) => ({ id: `b-rem-${randomUUID().slice(0, 8)}`, title: `Reminded ${randomUUID().slice(0, 6)}`, startsAt, endsAt })

t.test('a booking gets one reminder per offset; when the clock passes its time, exactly one notification and one email', async (t) => {
  const booking = newBooking('2037-11-10T09:00:00Z')
  await send(bookingCreated({ booking, admins: [grace] }))
  const scheduled = await reminders(booking.id)
  t.same(scheduled.map((r) => [r.offsetSeconds, r.dueAt, r.status]), [[86_400, '2037-11-09T09:00:00.000Z', 'scheduled'], [3_600, '2037-11-10T08:00:00.000Z', 'scheduled']])
  await send(bookingCreated({ booking, admins: [grace], id: randomUUID() }))
  t.equal((await reminders(booking.id)).length, 2, 'a second booking.created (new id) does not add reminders: one per (booking, offset)')

  await moveClockTo(Date.parse('2037-11-09T08:59:59Z'))
  t.same(await reminderNotifications(app.db, booking.id), [], 'nothing before it is due')
  await moveClockTo(Date.parse('2037-11-09T09:00:30Z'))
  const [first, ...more] = await reminderNotifications(app.db, booking.id)
  t.same(more, [], 'exactly one notification')
  t.equal(first!.body, 'Starts in 24 hours: Main Hall, Tue, 10 Nov 2037, 10:00–11:00 (Europe/Berlin)')
  const mails = await waitFor(() => {
    const m = smtp.to(ada.email).filter((m) => m.parsed.subject?.startsWith('Reminder:') && m.parsed.subject.includes(booking.title))
    return m.length > 0 && m
  }, { what: 'the reminder email' })
  t.same(mails.map((m) => m.parsed.subject), [`Reminder: ${booking.title} starts in 24 hours`])
  t.match(mails[0]!.parsed.text, /When: +Tue, 10 Nov 2037, 10:00–11:00 \(Europe\/Berlin\)/, 'the email shows the hall\'s local time')
  t.same((await reminders(booking.id)).map((r) => r.status), ['sent', 'scheduled'])
  const listed = await app.inject({ url: '/v1/notifications?type=booking_reminder', headers: auth(app, ada.id) })
  t.ok(listed.json().items.some((n: { data: { bookingId: string } }) => n.data.bookingId === booking.id), 'the booker sees it in the inbox')

  await moveClockTo(Date.parse('2037-11-10T08:30:00Z'))
  t.equal((await reminderNotifications(app.db, booking.id)).length, 2, 'the 1 h reminder came too')
  const metrics = await app.inject({ url: '/metrics' })
  t.match(metrics.body, /bookit_scheduler_jobs_total\{kind="booking-reminder",outcome="done"\} [1-9]/)
  t.match(metrics.body, /bookit_scheduler_oldest_due_age_seconds 0\n/, 'nothing due is waiting')
})

t.test('a reminder goes to the address the directory knows when it runs, and carries the open link', async (t) => {
  const booker = { id: 'u-rem-moved', email: 'before@example.com', name: 'Mo Ved', locale: 'en' }
  const booking = newBooking('2037-11-20T09:00:00Z')
  await send(bookingCreated({ user: booker, booking, admins: [] }))
  // After the booking: the booker's address changes (a later CloudEvent time than the booking's).
  await send({ specversion: '1.0', id: randomUUID(), source: '/booking-service', type: 'user.updated', time: new Date(Date.now() + 60_000).toISOString(), data: { user: { ...booker, email: 'after@example.com' } } })
  await moveClockTo(Date.parse('2037-11-19T09:00:30Z'))
  const mails = await waitFor(() => {
    const m = smtp.to('after@example.com').filter((m) => m.parsed.subject?.startsWith('Reminder:'))
    return m.length > 0 && m
  }, { what: 'the reminder at the new address' })
  t.equal(mails.length, 1, 'one reminder, to the new address')
  t.same(smtp.to('before@example.com').filter((m) => m.parsed.subject?.startsWith('Reminder:')), [], 'none to the old one')
  t.match(mails[0]!.parsed.text, /\/v1\/notifications\/[0-9a-f-]{36}\/open\?sig=/, 'its link marks the reminder read when opened')
})

t.test('a booking starting sooner than an offset: that reminder is skipped, the later ones are kept', async (t) => {
  const booking = newBooking(new Date(now + 3 * HOUR).toISOString())
  await send(bookingCreated({ booking }))
  t.same((await reminders(booking.id)).map((r) => r.offsetSeconds), [3_600], 'only the 1 h reminder')
})

t.test('an update moving the start moves the reminders; the old times pass without a reminder', async (t) => {
  const booking = newBooking(new Date(now + 5 * 24 * HOUR).toISOString())
  await send(bookingCreated({ booking }))
  const before = await reminders(booking.id)
  const movedStart = now + 10 * 24 * HOUR
  const moved = { ...booking, startsAt: new Date(movedStart).toISOString(), endsAt: new Date(movedStart + HOUR).toISOString() }
  await send(bookingUpdated({ booking: moved, previous: { startsAt: booking.startsAt, endsAt: booking.endsAt }, time: '2026-11-24T10:00:00Z' }))
  const after = await reminders(booking.id)
  t.same(after.map((r) => [r.offsetSeconds, r.dueAt, r.status]), [
    [86_400, new Date(movedStart - 24 * HOUR).toISOString(), 'scheduled'],
    [3_600, new Date(movedStart - HOUR).toISOString(), 'scheduled'],
  ])
  t.not(after[0]!.dueAt, before[0]!.dueAt)
  await moveClockTo(Date.parse(booking.startsAt) + HOUR)
  t.same(await reminderNotifications(app.db, booking.id), [], 'the old start passed: no reminder')
  await moveClockTo(movedStart - 24 * HOUR + 1_000)
  const sent = await reminderNotifications(app.db, booking.id)
  t.equal(sent.length, 1, 'the moved 24 h reminder went out once')
  t.match(sent[0]!.body, new RegExp(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(movedStart)), 'with the new time')
})

t.test('created, updated, cancelled in all 6 orders: no reminder after a cancellation', async (t) => {
  const orders = [
    ['created', 'updated', 'cancelled'],
    ['created', 'cancelled', 'updated'],
    ['updated', 'created', 'cancelled'],
    ['updated', 'cancelled', 'created'],
    ['cancelled', 'created', 'updated'],
    ['cancelled', 'updated', 'created'],
  ] as const
  const start = now + 3 * 24 * HOUR
  const bookings: string[] = []
  for (const order of orders) {
    const booking = newBooking(new Date(start).toISOString())
    bookings.push(booking.id)
    const moved = { ...booking, startsAt: new Date(start + 24 * HOUR).toISOString(), endsAt: new Date(start + 25 * HOUR).toISOString() }
    const events = {
      created: bookingCreated({ booking }),
      updated: bookingUpdated({ booking: moved, previous: { startsAt: booking.startsAt, endsAt: booking.endsAt } }),
      cancelled: bookingCancelled({ booking }),
    }
    const seen: string[][] = []
    for (const kind of order) {
      await send(events[kind])
      seen.push((await reminders(booking.id)).filter((r) => r.status === 'scheduled').map((r) => r.startsAt))
    }
    const cancelledAt = order.indexOf('cancelled')
    t.same(seen.slice(cancelledAt).flat(), [], `${order.join(' → ')}: no scheduled reminder from the cancellation on`)
    if (order[0] === 'updated') t.same(seen[0], [moved.startsAt, moved.startsAt], `${order.join(' → ')}: the update alone schedules at its start`)
    if (order[0] === 'created' && order[1] === 'updated') t.same(seen[1], [moved.startsAt, moved.startsAt], `${order.join(' → ')}: the update moved them`)
  }
  // A control booking that is not cancelled proves the clock move below does run reminders.
  const control = newBooking(new Date(start).toISOString())
  await send(bookingCreated({ booking: control }))
  await moveClockTo(start + 30 * HOUR)
  for (const id of bookings) t.same(await reminderNotifications(app.db, id), [], `${id}: no reminder`)
  t.equal((await reminderNotifications(app.db, control.id)).length, 2, 'the control booking got both reminders')
})

t.test('bad query input gets a 400, and the list needs the operator role', async (t) => {
  t.equal((await app.inject({ url: '/v1/admin/reminders?status=later', headers: admin })).statusCode, 400)
  t.equal((await app.inject({ url: '/v1/admin/reminders?limit=0', headers: admin })).statusCode, 400)
  t.equal((await app.inject({ url: '/v1/admin/reminders', headers: auth(app, ada.id) })).statusCode, 403)
  const sent = await app.inject({ url: '/v1/admin/reminders?status=sent', headers: admin })
  t.ok(sent.json().items.length > 0 && sent.json().items.every((r: Reminder) => r.status === 'sent'))
})
