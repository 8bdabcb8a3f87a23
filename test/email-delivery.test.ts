import t from 'tap'
import { loadConfig } from '../src/config.js'
import { retryDelayMs } from '../src/email/email-dispatcher.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { bookingCreated, grace, userCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

t.test('backoff grows exponentially with jitter, within its cap', async (t) => {
  for (let attempt = 1; attempt <= 12; attempt++) {
    const ceiling = Math.min(600_000, 5_000 * 2 ** (attempt - 1))
    const delay = retryDelayMs(attempt, 5_000, 600_000)
    t.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${attempt}: ${delay} ms within [${ceiling / 2}, ${ceiling}]`)
  }
})

t.test('with the default settings, an email outlasts a 10-minute SMTP outage', async (t) => {
  const { email: d } = loadConfig({ DATABASE_URL: 'postgres://x/y', JWT_SECRET: 'x'.repeat(32) })
  // The shortest possible schedule: every delay at the low end of its jitter range.
  let shortest = 0
  for (let attempt = 1; attempt < d.maxAttempts; attempt++) shortest += Math.min(d.retryMaxMs, d.retryBaseMs * 2 ** (attempt - 1)) / 2
  t.ok(shortest >= 10 * 60_000, `attempts go on for at least ${Math.round(shortest / 60_000)} minutes`)
})

t.test('SMTP down, then back: every email arrives, once', async (t) => {
  const smtp = new SmtpSink()
  await smtp.start()
  t.teardown(() => smtp.stop())
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url, EMAIL_MAX_ATTEMPTS: '100' })
  const publisher = auth(app, 'booking-service', ['events:publish'])

  await smtp.stop()
  const events = Array.from({ length: 30 }, () => bookingCreated({ admins: [grace] }))
  const response = await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: events })
  t.same(response.json(), { accepted: 30, duplicates: 0 })

  // Retried while the server is away, and nothing given up.
  await waitFor(async () => {
    const row = await app.db.selectFrom('email_outbox').select((eb) => eb.fn.min('attempts').as('min')).executeTakeFirstOrThrow()
    return Number(row.min) >= 3
  }, { what: 'several attempts during the outage' })
  const during = await app.db.selectFrom('email_outbox').select(['status', 'last_error']).execute()
  t.ok(during.every((e) => e.status === 'pending'), 'all still pending, none failed')
  t.match(during[0]!.last_error, /ECONNREFUSED|ESOCKET|connect/i, 'the last error says why')
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, /bookit_emails_pending 60/, 'the queue depth is exported')
  t.match(metrics, /bookit_emails_retried_total\{template="booking-confirmed"\} [1-9]/)

  await smtp.start()
  await waitFor(async () => (await app.db.selectFrom('email_outbox').select('id').where('status', '=', 'sent').execute()).length === 60, { what: 'all sent', timeout: 20_000 })
  const ids = (await app.db.selectFrom('email_outbox').select('id').execute()).map((r) => `<${r.id}@bookit.local>`)
  const delivered = smtp.received.map((m) => m.parsed.messageId)
  t.equal(delivered.length, 60, 'sixty deliveries')
  t.same(new Set(delivered), new Set(ids), 'one for each outbox row, none twice')
})

t.test('a permanent rejection ends failed at once; a temporary one after the configured attempts', async (t) => {
  const smtp = new SmtpSink({
    rejectRecipient: (address) =>
      address === 'bounce@example.com' ? { code: 550, message: 'No such user' } : address.startsWith('busy') ? { code: 451, message: 'Try again later' } : undefined,
  })
  await smtp.start()
  t.teardown(() => smtp.stop())
  const { app, logs } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url, EMAIL_MAX_ATTEMPTS: '3' })
  const publisher = auth(app, 'user-service', ['events:publish'])
  const secret = 'Very-Secret-Temp-77'
  const events = [
    userCreated({ id: 'u-b', email: 'bounce@example.com', name: 'Bounce' }, { temporaryPassword: secret }),
    userCreated({ id: 'u-busy', email: 'busy@example.com', name: 'Busy' }),
    userCreated({ id: 'u-ok', email: 'ok@example.com', name: 'Ok' }),
  ]
  await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: events })
  const emails = await waitFor(async () => {
    const rows = await app.db.selectFrom('email_outbox').selectAll().orderBy('recipient').execute()
    return rows.every((r) => r.status !== 'pending') && rows
  }, { what: 'every email final' })
  const [bounce, busy, ok] = emails
  t.match(bounce, { status: 'failed', attempts: 1 }, 'a 550 is not retried')
  t.match(bounce!.last_error, /550/)
  t.notOk('temporaryPassword' in bounce!.payload, 'the temporary password is erased once the email has failed')
  t.match(busy, { status: 'failed', attempts: 3 }, 'a 451 is retried up to EMAIL_MAX_ATTEMPTS')
  t.match(busy!.last_error, /451/)
  t.match(ok, { status: 'sent', attempts: 1 })
  t.notMatch(logs.text, secret, 'the password is in no log line, failures included')
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, /bookit_emails_failed_total\{template="welcome"\} 2/)
  t.match(metrics, /bookit_emails_sent_total\{template="welcome"\} 1/)
})
