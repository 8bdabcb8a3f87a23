import t from 'tap'
import { connectDatabase } from '../src/db/connect.js'
import { insertDeliveries } from '../src/delivery/delivery-store.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { bookingCreated, grace, userCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

/** The app reaches PostgreSQL through a proxy the test can cut; the test reads directly. */
async function behindProxy(t: Parameters<typeof build>[0]) {
  const proxy = new TcpProxy('127.0.0.1', 5432)
  await proxy.start()
  t.teardown(() => proxy.stop())
  const direct = await createTestDatabase(t)
  const proxied = new URL(direct)
  proxied.port = String(proxy.port)
  const { db } = connectDatabase(direct, { max: 2 })
  t.teardown(() => db.destroy())
  return { proxy, url: proxied.toString(), db }
}

t.test('a booking email whose booking has ended is expired, not sent late; the in-app notification still appears', async (t) => {
  const smtp = new SmtpSink()
  await smtp.start()
  t.teardown(() => smtp.stop())
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url })
  const publisher = auth(app, 'booking-service', ['events:publish'])
  const past = bookingCreated({ admins: [grace], booking: { title: 'Yesterday', startsAt: '2026-01-05T09:00:00Z', endsAt: '2026-01-05T10:00:00Z' } })
  const future = bookingCreated({ admins: [], booking: { title: 'Next month' } })
  await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: [past, future] })
  const rows = await waitFor(async () => {
    const r = await app.db.selectFrom('deliveries').select(['status', 'event_id', 'last_error']).execute()
    return r.every((d) => d.status !== 'pending') && r
  }, { what: 'every delivery final' })
  t.same(rows.filter((r) => r.event_id === past.id).map((r) => r.status), ['expired', 'expired'], "both of the past booking's emails expired")
  t.match(rows.find((r) => r.event_id === past.id)?.last_error, /expired/)
  t.same(rows.filter((r) => r.event_id === future.id).map((r) => r.status), ['sent'])
  t.equal(smtp.received.length, 1, 'only the email that still matters went out')
  t.equal((await app.db.selectFrom('notifications').select('id').where('event_id', '=', past.id).execute()).length, 2, 'the in-app notifications are there')
  t.match((await app.inject({ url: '/metrics' })).body, /bookit_deliveries_expired_total\{channel="email",template="booking-confirmed"\} 1/)
})

t.test('a template that fails to render ends failed at once, without a retry', async (t) => {
  const smtp = new SmtpSink()
  await smtp.start()
  t.teardown(() => smtp.stop())
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url })
  await insertDeliveries(app.db, [
    { channel: 'email', userId: 'u-1', destination: 'x@example.com', notificationType: 'booking_confirmed', template: 'no-such-template', locale: 'en', payload: {}, eventSource: '/test', eventId: 'e-1' },
  ])
  app.deliveries.wake()
  const row = await waitFor(async () => {
    const r = await app.db.selectFrom('deliveries').select(['status', 'attempts', 'last_error']).executeTakeFirstOrThrow()
    return r.status !== 'pending' && r
  }, { what: 'the delivery final' })
  t.match(row, { status: 'failed', attempts: 1, last_error: /^render: / })
  t.equal(smtp.received.length, 0)
  t.match((await app.inject({ url: '/metrics' })).body, /bookit_deliveries_failed_total\{channel="email",template="no-such-template"\} 1/)
})

t.test('the database down while a retry or a failure is recorded: the delivery comes back and ends as it should', async (t) => {
  const { proxy, url, db } = await behindProxy(t)
  let replies = 0
  // The database goes away just as the SMTP server answers: the outcome cannot be written.
  const smtp = new SmtpSink({
    rejectRecipient: (address) => {
      if (replies++ === 0) proxy.refuse()
      if (address === 'bounce@example.com') return { code: 550, message: 'No such user' }
      return replies <= 2 ? { code: 451, message: 'Try again later' } : undefined
    },
  })
  await smtp.start()
  t.teardown(() => smtp.stop())
  const { app, logs } = await build(t, { DATABASE_URL: url, SMTP_URL: smtp.url, EMAIL_LEASE_MS: '1000' })
  const publisher = auth(app, 'user-service', ['events:publish'])
  await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: [userCreated({ id: 'u-busy', email: 'busy@example.com', name: 'Busy' }), userCreated({ id: 'u-b', email: 'bounce@example.com', name: 'Bounce' })] })
  // Both answers (the 451 and the 550) arrive while the database is away.
  await waitFor(() => logs.lines.filter((l) => l.includes("could not record a delivery's outcome")).length >= 2, { what: 'two outcomes that could not be recorded', timeout: 20_000 })
  proxy.accept()
  const rows = await waitFor(async () => {
    const r = await db.selectFrom('deliveries').select(['destination', 'status', 'attempts', 'last_error']).orderBy('destination').execute()
    return r.every((d) => d.status !== 'pending') && r
  }, { what: 'both final after the outage', timeout: 30_000 })
  t.match(rows, [
    { destination: 'bounce@example.com', status: 'failed', last_error: /550/ },
    { destination: 'busy@example.com', status: 'sent' },
  ])
  t.ok(rows.every((r) => r.attempts >= 2), 'each was tried again after its unrecorded outcome')
  t.equal(smtp.to('busy@example.com').length, 1, 'and the retried one arrived once')
})

t.test('shutdown while sent marks cannot be written: logged, counted, and the email stays pending to go again', async (t) => {
  const { proxy, url, db } = await behindProxy(t)
  // Accepted by the server while the database is away.
  const smtp = new SmtpSink({ rejectRecipient: () => void proxy.refuse() })
  await smtp.start()
  t.teardown(() => smtp.stop())
  const { app, logs } = await build(t, { DATABASE_URL: url, SMTP_URL: smtp.url })
  await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'user-service', ['events:publish']), payload: userCreated() })
  await waitFor(() => smtp.received.length === 1, { what: 'the email accepted' })
  await waitFor(async () => /bookit_deliveries_sent_unrecorded_total\{channel="email"\} 1/.test(await app.metrics.registry.metrics()), { what: 'the held sent mark counted', timeout: 20_000 })
  await app.close()
  t.match(logs.text, /deliveries sent but not recorded: could not write their sent marks at shutdown/)
  t.match(await app.metrics.registry.metrics(), /bookit_deliveries_sent_mark_lost_total\{channel="email",reason="shutdown"\} 1/)
  proxy.accept()
  const row = await db.selectFrom('deliveries').select(['status']).executeTakeFirstOrThrow()
  t.equal(row.status, 'pending', 'still pending: it is sent again (same Message-ID) by the next instance')
})

t.test('an idle channel finds deliveries another instance wrote without waking it; their sent marks are written in groups', async (t) => {
  const smtp = new SmtpSink()
  await smtp.start()
  t.teardown(() => smtp.stop())
  const url = await createTestDatabase(t)
  const { app } = await build(t, { DATABASE_URL: url, SMTP_URL: smtp.url })
  // Another instance's writes: a connection of its own, and no wake() for this one.
  const { db: other } = connectDatabase(url, { max: 1 })
  t.teardown(() => other.destroy())
  // Polls that found nothing: the channel is idle when the deliveries arrive.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const addresses = Array.from({ length: 40 }, (_, i) => `idle-${i}@example.com`)
  await insertDeliveries(
    other,
    addresses.map((destination, i) => ({ channel: 'email', userId: `u-${i}`, destination, notificationType: 'welcome', template: 'welcome', locale: 'en', payload: { recipient: { name: `User ${i}`, email: destination } }, eventSource: '/test', eventId: `idle-${i}` })),
  )
  const rows = await waitFor(async () => {
    const r = await app.db.selectFrom('deliveries').select(['status', 'sent_at']).where('channel', '=', 'email').execute()
    return r.length === addresses.length && r.every((d) => d.status === 'sent') && r
  }, { what: 'every delivery sent', timeout: 30_000 })
  t.same(addresses.map((a) => smtp.to(a).length), addresses.map(() => 1), 'each arrived once')
  // One UPDATE marks a group, and its rows share the statement's time.
  const marks = new Set(rows.map((r) => r.sent_at?.toISOString()))
  t.ok(marks.size < rows.length, `${rows.length} sent marks written by ${marks.size} statements`)
})
