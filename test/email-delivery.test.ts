import t from 'tap'
import { loadConfig } from '../src/config.js'
import { sql } from 'kysely'
import { nextRetryDelayMs, retrySchedule } from '../src/delivery/backoff.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { bookingCreated, grace, userCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

t.test("the dispatcher's own schedule: seconds, then minutes, then hours, until EMAIL_GIVE_UP_AFTER", async (t) => {
  const { email: policy } = loadConfig({ DATABASE_URL: 'postgres://x/y', JWT_SECRET: 'x'.repeat(32) })
  t.equal(policy.giveUpAfterMs, 24 * 3_600_000, 'a day by default')
  // The shortest and the longest schedule the jitter allows: both end at the window, not before.
  for (const [name, random] of [['shortest', () => 0], ['longest', () => 1]] as const) {
    const delays = retrySchedule(policy, random)
    const total = delays.reduce((a, b) => a + b, 0)
    t.equal(total, policy.giveUpAfterMs, `${name}: the waits add up to the whole window (${delays.length + 1} tries)`)
    t.ok(delays[0]! <= 5_000, `${name}: the first retry comes after seconds (${delays[0]} ms)`)
    t.ok(delays.some((d) => d >= 60_000 && d < 3_600_000), `${name}: then minutes`)
    t.ok(delays.filter((d) => d >= 1_800_000).length >= 10, `${name}: then hours`)
    t.ok(delays.every((d) => d <= policy.retryMaxMs), `${name}: never more than EMAIL_RETRY_MAX_MS apart`)
  }
  t.equal(nextRetryDelayMs(policy, 3, policy.giveUpAfterMs), undefined, 'past the window: give up')
  t.equal(nextRetryDelayMs({ ...policy, maxAttempts: 3 }, 3, 0), undefined, 'out of attempts: give up')
  t.equal(nextRetryDelayMs(policy, 1, 0, () => 60_000), 60_000, "a channel's own schedule decides alone")
})

t.test('the dispatcher numbers tries from 1 and waits base·2^(n-1) (jittered) after try n', async (t) => {
  const smtp = new SmtpSink({ rejectRecipient: () => ({ code: 451, message: 'Try again later' }) })
  await smtp.start()
  t.teardown(() => smtp.stop())
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url, EMAIL_RETRY_BASE_MS: '2000', EMAIL_RETRY_MAX_MS: '60000' })
  await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'user-service', ['events:publish']), payload: userCreated() })
  for (const attempts of [1, 2]) {
    const row = await waitFor(
      async () => {
        const r = await app.db
          .selectFrom('deliveries')
          .select(['attempts', 'last_error', sql<number>`extract(epoch from next_attempt_at - updated_at) * 1000`.as('waitMs')])
          .where('claimed_by', 'is', null)
          .where('attempts', '=', attempts)
          .executeTakeFirst()
        return r?.last_error ? r : undefined
      },
      { what: `try ${attempts} recorded`, timeout: 20_000 },
    )
    const ceiling = 2000 * 2 ** (attempts - 1)
    t.ok(row.waitMs >= ceiling / 2 - 5 && row.waitMs <= ceiling + 5, `after try ${attempts}: waits ${Math.round(row.waitMs)} ms, within [${ceiling / 2}, ${ceiling}]`)
  }
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
