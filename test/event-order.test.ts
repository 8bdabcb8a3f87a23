import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import t, { type Test } from 'tap'
import type { Database } from '../src/db/schema.js'
import { auth, brokerNames, build, createTestDatabase, publishEvents, waitFor } from './helpers/app.js'
import { ada, bookingCancelled, bookingCreated, grace } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

// Contract section 1, "Order": a cancellation is final for its booking id.

const smtp = new SmtpSink()
await smtp.start()
t.teardown(() => smtp.stop())

type Event = ReturnType<typeof bookingCreated>

function pair() {
  const booking = { id: `b-order-${randomUUID().slice(0, 8)}`, title: `Order ${randomUUID().slice(0, 8)}` }
  return { booking, created: bookingCreated({ admins: [grace], booking }), cancelled: bookingCancelled({ admins: [grace], booking }) }
}

const processed = async (db: Kysely<Database>, id: string) => (await db.selectFrom('processed_events').select('id').where('id', '=', id).executeTakeFirst()) !== undefined

/** What the booker and the outbox hold for one booking, newest notification first. */
async function view(db: Kysely<Database>, p: ReturnType<typeof pair>) {
  const { rows } = await sql<{ type: string; user_id: string }>`
    SELECT type, user_id FROM notifications WHERE data->>'bookingId' = ${p.booking.id} ORDER BY created_at DESC, id DESC`.execute(db)
  const outbox = await db.selectFrom('email_outbox').select(['event_id', 'template', 'status', 'recipient']).where('event_id', 'in', [p.created.id, p.cancelled.id]).execute()
  return { booker: rows.filter((r) => r.user_id === ada.id).map((r) => r.type), all: rows.map((r) => r.type), outbox }
}

const mailsAbout = (p: ReturnType<typeof pair>) => smtp.received.filter((m) => m.parsed.subject?.includes(p.booking.title)).map((m) => m.parsed.subject!)

async function allSent(db: Kysely<Database>, p: ReturnType<typeof pair>) {
  await waitFor(async () => {
    const { outbox } = await view(db, p)
    return outbox.length > 0 && outbox.every((e) => e.status === 'sent')
  }, { what: 'emails sent', timeout: 30_000 })
}

/** Sends each event and waits until it is processed, so the order of processing is the order given. */
async function inOrder(db: Kysely<Database>, send: (e: Event) => Promise<unknown>, events: Event[]) {
  for (const event of events) {
    await send(event)
    await waitFor(() => processed(db, event.id), { what: `${event.type} processed`, timeout: 30_000 })
  }
}

async function checkCancelledFirst(t: Test, db: Kysely<Database>, p: ReturnType<typeof pair>) {
  await allSent(db, p)
  const v = await view(db, p)
  t.same(v.all.sort(), ['booking_cancelled', 'hall_booking_cancelled'], 'the late booking.created produced no notification')
  t.same(v.outbox.filter((e) => e.event_id === p.created.id), [], 'and no email in the outbox')
  t.same(mailsAbout(p).filter((s) => !/cancel/i.test(s)), [], `no confirmation or new-booking alert reached SMTP: ${mailsAbout(p).join(' | ')}`)
  t.ok(mailsAbout(p).some((s) => /^Booking cancelled/.test(s)), 'the cancellation was sent')
}

async function checkCreatedFirst(t: Test, db: Kysely<Database>, p: ReturnType<typeof pair>) {
  await allSent(db, p)
  const v = await view(db, p)
  t.same(v.booker, ['booking_cancelled', 'booking_confirmed'], 'the confirmation stays as history; the newest is the cancellation')
  t.equal(v.outbox.length, 4, 'confirmation, alert, cancellation, alert')
}

t.test('over HTTP', async (t) => {
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url })
  const headers = auth(app, 'booking-service', ['events:publish'])
  const send = async (e: Event) => t.equal((await app.inject({ method: 'POST', url: '/v1/events', headers, payload: e })).statusCode, 202)

  t.test('cancelled, then created', async (t) => {
    const p = pair()
    await inOrder(app.db, send, [p.cancelled, p.created])
    await checkCancelledFirst(t, app.db, p)
    const page = await app.inject({ url: '/v1/notifications', headers: auth(app, ada.id) })
    t.notOk(page.json().items.some((n: { data: { bookingId?: string }; type: string }) => n.data.bookingId === p.booking.id && n.type === 'booking_confirmed'), 'the booker never sees it confirmed')
  })
  t.test('created, then cancelled', async (t) => {
    const p = pair()
    await inOrder(app.db, send, [p.created, p.cancelled])
    await checkCreatedFirst(t, app.db, p)
  })
  t.test('both in one request, cancellation first or last: never confirmed after cancelled', async (t) => {
    for (const order of ['cancelled-first', 'cancelled-last']) {
      const p = pair()
      await send(order === 'cancelled-first' ? ([p.cancelled, p.created] as never) : ([p.created, p.cancelled] as never))
      await allSent(app.db, p)
      const v = await view(app.db, p)
      t.same(v.booker, ['booking_cancelled'], `${order}: one request is one moment; the cancellation is its last word`)
      t.notOk(mailsAbout(p).some((s) => /confirmed/i.test(s)), `${order}: no confirmation email`)
    }
  })
})

t.test('over AMQP', async (t) => {
  const broker = brokerNames(t)
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', ...broker })
  await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })
  const send = (e: Event) => publishEvents(broker.AMQP_EXCHANGE, [e])

  t.test('cancelled, then created', async (t) => {
    const p = pair()
    await inOrder(app.db, send, [p.cancelled, p.created])
    await checkCancelledFirst(t, app.db, p)
  })
  t.test('created, then cancelled', async (t) => {
    const p = pair()
    await inOrder(app.db, send, [p.created, p.cancelled])
    await checkCreatedFirst(t, app.db, p)
  })
})

t.test('two instances on one queue and database, both orders at once: every booking ends cancelled, no confirmation after a cancellation', async (t) => {
  const broker = brokerNames(t)
  const env = { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', AMQP_PREFETCH: '10', ...broker }
  const first = await build(t, env)
  const second = await build(t, env)
  await waitFor(() => first.app.amqpConsumer?.connected && second.app.amqpConsumer?.connected, { what: 'both consumers' })
  const db = first.app.db

  // Half the bookings: every cancellation is processed before its booking.created is published.
  const late = Array.from({ length: 10 }, pair)
  await publishEvents(broker.AMQP_EXCHANGE, late.map((p) => p.cancelled))
  await waitFor(async () => (await Promise.all(late.map((p) => processed(db, p.cancelled.id)))).every(Boolean), { what: 'cancellations', timeout: 30_000 })
  // The other half: both events at once, in either order, racing across the two instances.
  const racing = Array.from({ length: 20 }, pair)
  const events: Event[] = [...late.map((p) => p.created)]
  for (const [i, p] of racing.entries()) events.push(...(i % 2 ? [p.created, p.cancelled] : [p.cancelled, p.created]))
  await publishEvents(broker.AMQP_EXCHANGE, events)
  const everything = [...late, ...racing]
  await waitFor(async () => (await Promise.all(everything.flatMap((p) => [processed(db, p.created.id), processed(db, p.cancelled.id)]))).every(Boolean), { what: 'every event', timeout: 60_000 })
  for (const p of everything) await allSent(db, p)

  for (const p of late) {
    const v = await view(db, p)
    t.same(v.booker, ['booking_cancelled'], `${p.booking.id}: cancelled first, so never confirmed`)
    t.notOk(mailsAbout(p).some((s) => /confirmed|New booking/i.test(s)), `${p.booking.id}: no confirmation email`)
  }
  for (const p of racing) {
    const v = await view(db, p)
    t.equal(v.booker[0], 'booking_cancelled', `${p.booking.id}: the newest state the booker sees is cancelled (${v.booker.join(', ')})`)
    const confirmedRows = v.booker.includes('booking_confirmed')
    const confirmationEmails = v.outbox.filter((e) => e.template === 'booking-confirmed').length
    t.equal(confirmationEmails, confirmedRows ? 1 : 0, `${p.booking.id}: a confirmation email only with its notification`)
  }
  const states = await db.selectFrom('booking_states').select(['booking_id', 'cancelled_at']).where('booking_id', 'in', everything.map((p) => p.booking.id)).execute()
  t.equal(states.filter((s) => s.cancelled_at !== null).length, everything.length, 'every booking is recorded as cancelled')
})
