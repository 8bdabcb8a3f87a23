import t from 'tap'
import { SAMPLE_TEMPORARY_PASSWORD, loadEmailSamples } from '../src/email/email-samples.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { userCreated } from './helpers/events.js'

const databaseUrl = await createTestDatabase(t)

t.test('GET /dev/emails lists every template with its sample data, in every language, as HTML and text', async (t) => {
  const { app } = await build(t, { DATABASE_URL: databaseUrl, NODE_ENV: 'development' })
  const samples = loadEmailSamples()
  t.same(new Set(samples.map((s) => s.template)), new Set(['welcome', 'booking-confirmed', 'booking-cancelled', 'hall-admin-alert', 'booking-updated', 'booking-reminder']), 'all six templates have a sample')

  const index = await app.inject({ url: '/dev/emails' })
  t.equal(index.statusCode, 200)
  t.match(index.headers['content-type'], /text\/html/)
  for (const sample of samples) {
    for (const locale of ['en', 'de']) {
      t.match(index.body, `/dev/emails/${sample.name}/${locale}.html`, `${sample.name} (${locale}) is listed`)
      const html = await app.inject({ url: `/dev/emails/${sample.name}/${locale}.html` })
      t.equal(html.statusCode, 200)
      t.match(html.body, /<html[\s\S]*(Ada|Grace)[\s\S]*<\/html>/, 'a whole page, rendered from the sample event')
      const text = await app.inject({ url: `/dev/emails/${sample.name}/${locale}.txt` })
      t.match(text.headers['content-type'], /text\/plain/)
      t.notMatch(text.body, /<[a-z]/i, 'the text part holds no markup')
    }
  }
  const german = await app.inject({ url: `/dev/emails/${samples.find((s) => s.template === 'booking-confirmed')!.name}/de.html` })
  t.match(decodeURIComponent(String(german.headers['x-email-subject'])), /Buchung bestätigt/, 'the German template is used')
  const withPassword = samples.find((s) => s.template === 'welcome' && 'temporaryPassword' in s.email.payload)
  t.ok(withPassword, 'a welcome email with a temporary password is among the previews')
  t.ok(samples.some((s) => s.template === 'welcome' && 'activationUrl' in s.email.payload), 'and one with an activation link')
  for (const locale of ['en', 'de']) {
    const html = await app.inject({ url: `/dev/emails/${withPassword!.name}/${locale}.html` })
    t.match(html.body, SAMPLE_TEMPORARY_PASSWORD, `the ${locale} preview shows the temporary password`)
    t.match((await app.inject({ url: `/dev/emails/${withPassword!.name}/${locale}.txt` })).body, SAMPLE_TEMPORARY_PASSWORD)
  }
  t.equal((await app.inject({ url: '/dev/emails/nope/en.html' })).statusCode, 404)
  t.equal((await app.inject({ url: `/dev/emails/${samples[0]!.name}/fr.html` })).statusCode, 404, 'only shipped languages')
})

t.test('captured .eml files are listed and readable, and nothing outside their folder is', async (t) => {
  const { app } = await build(t, { DATABASE_URL: databaseUrl, NODE_ENV: 'development' }, { migrate: false })
  await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'svc', ['events:publish']), payload: userCreated({ id: 'u-dev', email: 'dev@example.com', name: 'Dev' }) })
  const file = await waitFor(async () => /\/dev\/emails\/captured\/([\w.-]+\.eml)/.exec((await app.inject({ url: '/dev/emails' })).body)?.[1], { what: 'a captured email' })
  const view = await app.inject({ url: `/dev/emails/captured/${file}` })
  t.equal(view.statusCode, 200)
  t.match(view.headers['content-type'], /text\/html/)
  t.match(view.headers['content-security-policy'], /script-src 'none'/)
  t.match(view.body, /<th scope="row">To<\/th><td>dev@example\.com<\/td>/, 'the headers, one per row')
  t.match(view.body, /<th scope="row">Subject<\/th><td>Welcome to BookIT/)
  const frame = /<iframe[^>]*sandbox=""[^>]*srcdoc="([^"]*)"/.exec(view.body)
  t.ok(frame, 'the HTML part in a sandboxed frame, no permissions')
  t.match(frame?.[1], /&#60;html/, 'given as an escaped document, so it cannot break out of the attribute')
  t.match(view.body, /<pre>[\s\S]*Dev[\s\S]*<\/pre>/, 'the text part, decoded')
  t.notMatch(view.body, /Content-Transfer-Encoding|boundary=|=\r?\n/i, 'no raw MIME')
  const raw = await app.inject({ url: `/dev/emails/captured/${file}/raw` })
  t.match(raw.headers['content-type'], /text\/plain/)
  t.match(raw.body, /To: dev@example\.com/, 'the raw .eml one link away')
  for (const bad of ['..%2F..%2Fpackage.json', '%2Fetc%2Fpasswd', 'missing.eml']) {
    t.equal((await app.inject({ url: `/dev/emails/captured/${bad}` })).statusCode, 404, `${decodeURIComponent(bad)} is not served`)
    t.equal((await app.inject({ url: `/dev/emails/captured/${bad}/raw` })).statusCode, 404)
  }
})

t.test('never in production', async (t) => {
  const { app } = await build(t, { DATABASE_URL: databaseUrl, NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:1' }, { migrate: false, sendEmails: false })
  t.equal((await app.inject({ url: '/dev/emails' })).statusCode, 404)
})
