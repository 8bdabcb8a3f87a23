import t from 'tap'
import { MAX_EVENT_BYTES } from '../src/domain/events.js'
import { auth, brokerNames, build, createTestDatabase, drainQueue, publish, publishEvents, waitFor } from './helpers/app.js'
import { ada, bookingCancelled, bookingCreated, grace, konrad, userCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

const smtp = new SmtpSink()
await smtp.start()
t.teardown(() => smtp.stop())
const broker = brokerNames(t)
const { app, logs } = await build(t, {
  DATABASE_URL: await createTestDatabase(t),
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  SMTP_URL: smtp.url,
  PUBLIC_URL: 'https://notify.example.com',
  APP_URL: 'https://bookit.example.com',
  ...broker,
})
await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })

const rowsFor = (eventId: string) => app.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).orderBy('user_id').execute()
const emailsFor = (eventId: string) => app.db.selectFrom('email_outbox').selectAll().where('event_id', '=', eventId).orderBy('recipient').execute()
const amqpDuplicates = async () => {
  const metrics = (await app.inject({ url: '/metrics' })).body
  return Number(/bookit_events_received_total\{type="booking.created",transport="amqp",outcome="duplicate"\} (\d+)/.exec(metrics)?.[1] ?? 0)
}
const allSent = (eventId: string) => async () => {
  const emails = await emailsFor(eventId)
  return emails.length > 0 && emails.every((e) => e.status === 'sent') && emails
}

t.test('booking.created over the broker: rows and delivered emails, as the contract table says', async (t) => {
  const event = bookingCreated({ user: ada, admins: [grace, konrad], booking: { title: 'Q&A <script>alert(1)</script>', notes: 'Bring "snacks" & <b>coffee</b>' } })
  await publishEvents(broker.AMQP_EXCHANGE, [event])
  const emails = await waitFor(allSent(event.id), { what: 'emails sent' })

  const rows = await rowsFor(event.id)
  t.same(
    rows.map((r) => [r.user_id, r.type]),
    [
      ['u-42', 'booking_confirmed'],
      ['u-7', 'hall_booking_created'],
      ['u-9', 'hall_booking_created'],
    ],
  )
  t.same(emails.map((e) => [e.recipient, e.template]), [
    ['ada@example.com', 'booking-confirmed'],
    ['grace@example.com', 'hall-admin-alert'],
    ['konrad@example.com', 'hall-admin-alert'],
  ])

  const toAda = smtp.to('ada@example.com').find((m) => m.parsed.subject?.includes('Q&A'))!
  t.ok(toAda, 'the booker got an email')
  t.equal(toAda.parsed.subject, 'Booking confirmed: Q&A <script>alert(1)</script> on Tue, 1 Dec 2037, 10:00–12:30 (Europe/Berlin)')
  const html = String(toAda.parsed.html)
  t.notMatch(html, /<script>alert/, 'user text is escaped in HTML')
  t.match(html, /Q&amp;A &lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  t.match(html, /&lt;b&gt;coffee&lt;\/b&gt;/)
  t.match(toAda.parsed.text, /When:\s+Tue, 1 Dec 2037, 10:00–12:30 \(Europe\/Berlin\)/, 'text part with the time in the hall zone, zone named')
  t.match(toAda.parsed.text, /Bring "snacks" & <b>coffee<\/b>/, 'the text part shows the text as written')
  t.equal(toAda.messageId, toAda.parsed.messageId, "the sink's header scan finds the Message-ID a full parse finds")
  t.match(toAda.parsed.messageId, new RegExp(`^<${emails[0]!.id}@bookit.local>$`), 'Message-ID derived from the outbox row')
  const headers = toAda.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ') // unfolded
  t.match(headers, /^List-Unsubscribe: <https:\/\/notify\.example\.com\/v1\/unsubscribe\?token=[\w-]+\.[\w-]+>\r?$/m, 'RFC 8058 link')
  t.match(headers, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m, 'RFC 8058 one-click')

  const toKonrad = smtp.to('konrad@example.com').find((m) => m.parsed.subject?.includes('Q&A'))!
  t.match(toKonrad.parsed.subject, /^Neue Buchung in Main Hall/, 'German for a de-DE recipient')
  t.match(toKonrad.parsed.text, /Wann:\s+Di\., 1\. Dez\. 2037/)
})

t.test('booking.cancelled: the booker and admins get the cancellation with its details', async (t) => {
  const event = bookingCancelled({ admins: [grace], reason: 'Hall needs repairs' })
  await publishEvents(broker.AMQP_EXCHANGE, [event])
  await waitFor(allSent(event.id), { what: 'emails sent' })
  t.same((await rowsFor(event.id)).map((r) => r.type), ['booking_cancelled', 'hall_booking_cancelled'])
  const mail = smtp.to('ada@example.com').find((m) => m.parsed.subject?.startsWith('Booking cancelled'))!
  t.match(mail.parsed.text, /Reason:\s+Hall needs repairs/)
  t.match(mail.parsed.text, /Cancelled:\s+Tue, 24 Nov 2026, 09:00 \(Europe\/Berlin\) by Ada Lovelace/)
  const alert = smtp.to('grace@example.com').find((m) => m.parsed.subject?.startsWith('Booking cancelled in Main Hall'))
  t.ok(alert, 'the hall admin alert says cancelled')
})

t.test('user.created: the temporary password is in the welcome email and nowhere else', async (t) => {
  const secret = 'Tmp-Pa55-w0rd-XYZ'
  const event = userCreated({ id: 'u-new', email: 'new@example.com', name: 'New Person' }, { temporaryPassword: secret })
  await publishEvents(broker.AMQP_EXCHANGE, [event])
  const [email] = await waitFor(allSent(event.id), { what: 'welcome sent' })

  const mail = smtp.to('new@example.com')[0]!
  t.match(mail.parsed.text, secret, 'in the email text')
  t.match(String(mail.parsed.html), secret, 'in the email html')
  t.notMatch(mail.raw, /^List-Unsubscribe/m, 'the welcome email has no unsubscribe link')

  const rows = await rowsFor(event.id)
  t.equal(rows.length, 1)
  t.notMatch(JSON.stringify(rows), secret, 'not in the in-app notification')
  t.notOk('temporaryPassword' in email!.payload, 'erased from the outbox once sent')
  const dump = await app.db.selectFrom('email_outbox').select('payload').execute()
  t.notMatch(JSON.stringify(dump), secret, 'nowhere in the database')

  const response = await app.inject({ url: '/v1/notifications', headers: auth(app, 'u-new') })
  t.notMatch(response.body, secret, 'not in the API')
  t.notMatch(logs.text, secret, 'not in any log line')
})

t.test('the same event twice over the broker, then over HTTP: one set of effects', async (t) => {
  const event = bookingCreated({ admins: [grace] })
  const duplicatesBefore = await amqpDuplicates()
  await publishEvents(broker.AMQP_EXCHANGE, [event, event])
  await waitFor(allSent(event.id), { what: 'emails sent' })
  await waitFor(async () => (await amqpDuplicates()) === duplicatesBefore + 1, { what: 'the second copy to be processed as a duplicate' })
  const http = await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'booking-service', ['events:publish']), payload: event })
  t.equal(http.statusCode, 202)
  t.same(http.json(), { accepted: 0, duplicates: 1 })
  // Counted only once the third copy has been through the consumer, so the rows below are
  // not read before it had a chance to add any.
  await publishEvents(broker.AMQP_EXCHANGE, [event])
  await waitFor(async () => (await amqpDuplicates()) === duplicatesBefore + 2, { what: 'the third copy to be processed as a duplicate' })
  t.equal((await rowsFor(event.id)).length, 2, 'one notification per recipient')
  t.equal((await emailsFor(event.id)).length, 2, 'one email per recipient')
  const ids = new Set((await emailsFor(event.id)).map((e) => `<${e.id}@bookit.local>`))
  t.equal(smtp.received.filter((m) => ids.has(m.parsed.messageId ?? '')).length, 2, 'each email delivered once')
})

t.test('the same event first over HTTP, then over the broker: one set of effects', async (t) => {
  const event = userCreated({ id: 'u-http', email: 'http@example.com', name: 'H' })
  const http = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth(app, 'user-service', ['events:publish']), 'content-type': 'application/cloudevents+json' }, payload: JSON.stringify(event) })
  t.same(http.json(), { accepted: 1, duplicates: 0 })
  await publishEvents(broker.AMQP_EXCHANGE, [event])
  const follow = bookingCreated({ admins: [] })
  await publishEvents(broker.AMQP_EXCHANGE, [follow])
  await waitFor(async () => (await rowsFor(follow.id)).length === 1, { what: 'the event behind it' })
  t.equal((await rowsFor(event.id)).length, 1)
  t.equal((await emailsFor(event.id)).length, 1)
})

t.test('malformed messages go to the dead-letter queue with a reason; the valid ones behind them flow', async (t) => {
  const before = bookingCreated({ admins: [] })
  const after = bookingCreated({ admins: [] })
  const oversized = bookingCreated({ booking: { notes: 'x'.repeat(MAX_EVENT_BYTES) } })
  const bad: { routingKey: string; body: string | object; reason: RegExp }[] = [
    { routingKey: 'booking.created', body: '{"specversion": "1.0", ', reason: /not valid JSON/ },
    { routingKey: 'booking.created', body: [bookingCreated()], reason: /must be a JSON object \(got an array\)/ },
    { routingKey: 'booking.created', body: { ...bookingCreated(), id: undefined }, reason: /required properties id/ },
    { routingKey: 'user.created', body: { ...userCreated(), type: 'user.renamed' }, reason: /unknown event type "user.renamed"/ },
    { routingKey: 'booking.created', body: bookingCreated({ user: { ...ada, email: 'nope' } }), reason: /data\.user\.email/ },
    { routingKey: 'booking.created', body: oversized, reason: /too large: \d+ bytes, over the limit of 256 KiB/ },
    { routingKey: 'booking.created', body: '', reason: /not valid JSON/ },
  ]
  await publish(broker.AMQP_EXCHANGE, [{ routingKey: 'booking.created', body: before }, ...bad, { routingKey: 'booking.created', body: after }])
  await waitFor(async () => (await rowsFor(after.id)).length === 1, { what: 'the valid event behind the bad ones' })
  t.equal((await rowsFor(before.id)).length, 1, 'the valid event before them too')

  const dead = await waitFor(async () => {
    const got = await drainQueue(`${broker.AMQP_QUEUE}.dlq`)
    return got.length > 0 && got
  })
  t.equal(dead.length, bad.length, 'every malformed message is dead-lettered, none dropped')
  for (const [i, message] of dead.entries()) {
    const expected = bad[i]!
    t.match(String(message.properties.headers?.['x-error']), expected.reason, `x-error says why: ${message.properties.headers?.['x-error']}`)
    const original = typeof expected.body === 'string' ? expected.body : JSON.stringify(expected.body)
    t.equal(message.content.toString(), original, 'with its original body')
    t.equal(message.properties.headers?.['x-original-routing-key'], expected.routingKey)
  }
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, /bookit_events_received_total\{type="booking.created",transport="amqp",outcome="invalid"\} [1-9]/)
  t.match(metrics, /bookit_events_received_total\{type="user.created",transport="amqp",outcome="invalid"\} 1/, 'counted by routing key')
})
