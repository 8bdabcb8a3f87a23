import t from 'tap'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { type Person, bookingCreated, konrad } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

/**
 * Templates as data through the admin API, against the real database and a real SMTP
 * server: drafts, preview, publish, versions, restore, diff, and the emails that follow.
 */
const smtp = new SmtpSink()
await smtp.start()
t.teardown(() => smtp.stop())
const databaseUrl = await createTestDatabase(t)
const { app } = await build(t, { DATABASE_URL: databaseUrl, SMTP_URL: smtp.url })
// A second replica on the same database that sends nothing: its publishes reach the first through the database.
const { app: other } = await build(t, { DATABASE_URL: databaseUrl, SMTP_URL: smtp.url }, { sendEmails: false })
await waitFor(() => app.emailTemplates.published.connected, { what: "the first replica's template LISTEN" })

const admin = auth(app, 'op-1', ['notifications:admin'])
const base = '/v1/admin/templates/booking-confirmed/de'
const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown, headers = admin) => app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) })

type Source = { subject: string; html: string; text: string }
type Version = Source & { version: number; fileDefault: boolean; restoredFrom: number | null; createdBy: string | null }
const file = (await call('GET', base)).json().current as Version
const reworded: Source = {
  subject: 'Gebucht: <%= it.booking.title %> am <%= it.when %>',
  html: file.html.replace('Ihre Buchung ist bestätigt', 'Alles klar, Ihr Saal ist reserviert'),
  text: file.text.replace('Ihre Buchung ist bestätigt', 'Alles klar, Ihr Saal ist reserviert'),
}

let bookings = 0
/** A booking by a German-speaking user over HTTP; resolves with the email the SMTP server received and its delivery row. */
async function germanConfirmation(person: Person = { ...konrad, id: `u-de-${++bookings}`, email: `de-${bookings}@example.com` }) {
  const response = await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'booking-service', ['events:publish']), payload: bookingCreated({ user: person, admins: [] }) })
  if (response.statusCode !== 202) throw new Error(`${response.statusCode} ${response.body}`)
  const email = await waitFor(() => smtp.to(person.email)[0], { what: `the confirmation to ${person.email}` })
  const row = await waitFor(() => app.db.selectFrom('deliveries').select(['template_version', 'status']).where('destination', '=', person.email).where('status', '=', 'sent').executeTakeFirst(), { what: 'the delivery marked sent' })
  return { email, version: row.template_version }
}

t.test('every route wants the admin role: 401 without a token, 403 without the role', async (t) => {
  const routes: ['GET' | 'PUT' | 'POST' | 'DELETE', string][] = [
    ['GET', '/v1/admin/templates'],
    ['GET', base],
    ['PUT', base],
    ['DELETE', base],
    ['POST', `${base}/preview`],
    ['POST', `${base}/publish`],
    ['GET', `${base}/versions`],
    ['GET', `${base}/versions/1`],
    ['POST', `${base}/versions/1/restore`],
    ['GET', `${base}/diff?from=0&to=1`],
  ]
  for (const [method, url] of routes) {
    t.equal((await app.inject({ method, url })).statusCode, 401, `${method} ${url} without a token`)
    t.equal((await call(method, url, undefined, auth(app, 'u-42'))).statusCode, 403, `${method} ${url} as a plain user`)
  }
})

t.test('the list: every template in every language, all on their file default', async (t) => {
  const response = await call('GET', '/v1/admin/templates')
  t.equal(response.statusCode, 200)
  const items = response.json().items as { name: string; locale: string; version: number; fileDefault: boolean; hasDraft: boolean; types: string[] }[]
  t.same(items.map((i) => `${i.name}/${i.locale}`).sort(), ['announcement', 'booking-cancelled', 'booking-confirmed', 'booking-reminder', 'booking-updated', 'hall-admin-alert', 'hall-admin-digest', 'welcome'].flatMap((n) => [`${n}/de`, `${n}/en`]).sort())
  t.ok(items.every((i) => i.version === 0 && i.fileDefault && !i.hasDraft), 'nothing published, no drafts')
  t.same(items.find((i) => i.name === 'hall-admin-alert')?.types, ['hall_booking_created', 'hall_booking_cancelled', 'hall_booking_updated'])
})

t.test('unknown templates and languages are 404; malformed names and versions 400', async (t) => {
  t.equal((await call('GET', '/v1/admin/templates/no-such/de')).statusCode, 404)
  t.equal((await call('GET', '/v1/admin/templates/booking-confirmed/fr')).statusCode, 404)
  t.equal((await call('PUT', '/v1/admin/templates/no-such/de', reworded)).statusCode, 404)
  t.equal((await call('GET', '/v1/admin/templates/_layout/de')).statusCode, 400, 'the layout is not a template')
  t.equal((await call('GET', `${base}/versions/abc`)).statusCode, 400)
  t.equal((await call('GET', `${base}/versions/7`)).statusCode, 404)
  t.equal((await call('POST', `${base}/versions/7/restore`)).statusCode, 404)
  t.equal((await call('GET', `${base}/diff?from=0&to=7`)).statusCode, 404)
  t.equal((await call('GET', `${base}/diff?from=0`)).statusCode, 400)
  t.equal((await call('DELETE', base)).statusCode, 404, 'no draft to discard')
  const publish = await call('POST', `${base}/publish`)
  t.equal(publish.statusCode, 409)
  t.match(publish.json().message, 'there is no draft of booking-confirmed/de to publish')
  t.equal((await call('PUT', base, { subject: 'x' })).statusCode, 400, 'a draft needs all three parts')
})

t.test('bad drafts are refused with the reason and not saved', async (t) => {
  const cases: [Partial<Source>, string][] = [
    [{ html: `${file.html}\n<%= it.booking.title` }, 'template refused: html: does not compile: unclosed tag'],
    [{ subject: 'Gebucht am <%= it.when %>' }, 'template refused: subject: no longer uses it.booking.title, which the booking-confirmed email needs'],
    [{ html: `${file.html}\n<%= process.env.JWT_SECRET %>` }, 'template refused: html: <%= process.env.JWT_SECRET %>: "process" is not available in templates'],
    [{ html: `${file.html}\n<%~ include('/etc/passwd') %>` }, 'does not name a shared partial'],
    [{ text: `${file.text}\n<%= it.cancellation.reason %>` }, "template refused: it fails with the sample booking_confirmed email: Cannot read properties of undefined (reading 'reason')"],
  ]
  for (const [patch, message] of cases) {
    const response = await call('PUT', base, { ...reworded, ...patch })
    t.equal(response.statusCode, 400, message)
    t.match(response.json().message, message)
  }
  t.equal((await call('GET', base)).json().draft, null, 'nothing was saved')
})

t.test('a draft: saved, shown, previewed with its headers, discarded', async (t) => {
  const saved = await call('PUT', base, reworded)
  t.equal(saved.statusCode, 200)
  t.match(saved.json(), { ...reworded, basedOn: 0, updatedBy: 'op-1' })
  const shown = (await call('GET', base)).json()
  t.match(shown, { version: 0, draft: reworded, current: { version: 0, fileDefault: true }, requiredVariables: { subject: ['booking.title', 'when'] } })
  t.equal((await call('GET', '/v1/admin/templates')).json().items.find((i: { name: string; locale: string }) => i.name === 'booking-confirmed' && i.locale === 'de').hasDraft, true)

  const preview = await call('POST', `${base}/preview`, {})
  t.equal(preview.statusCode, 200)
  const p = preview.json()
  t.equal(p.rendered, 'draft')
  t.match(p.html, 'Alles klar, Ihr Saal ist reserviert', 'the draft wording')
  t.match(p.text, 'Alles klar, Ihr Saal ist reserviert')
  t.match(p.subject, /^Gebucht: Quarterly review am /)
  t.match(p.headers['List-Unsubscribe'], /^<http.*\/v1\/unsubscribe\?token=/, 'the unsubscribe header the email would carry')
  t.equal(p.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click')
  t.equal(p.headers.Subject, p.subject)
  t.match(p.headers.From, 'BookIT')

  const given = await call('POST', `${base}/preview`, { source: { ...reworded, subject: 'Anders: <%= it.booking.title %> <%= it.when %>' }, data: { ...(await sampleData()), booking: { id: 'b-1', title: 'Eigene Daten', startsAt: '2037-01-01T10:00:00Z', endsAt: '2037-01-01T11:00:00Z' } } })
  t.equal(given.statusCode, 200)
  t.equal(given.json().rendered, 'source')
  t.match(given.json().subject, /^Anders: Eigene Daten /, 'given source and data')
  const escaped = await call('POST', `${base}/preview`, { data: { ...(await sampleData()), booking: { id: 'b-1', title: '<img src=x>', startsAt: '2037-01-01T10:00:00Z', endsAt: '2037-01-01T11:00:00Z' } } })
  t.match(escaped.json().html, '&lt;img src=x&gt;', 'given data is escaped in the HTML')
  t.notMatch(escaped.json().html, '<img src=x>')

  const welcome = await call('POST', '/v1/admin/templates/welcome/de/preview', {})
  t.equal(welcome.json().rendered, 'current')
  t.equal(welcome.json().headers['List-Unsubscribe'], undefined, 'the welcome email carries no unsubscribe header')
  const alert = await call('POST', '/v1/admin/templates/hall-admin-alert/en/preview', { type: 'hall_booking_cancelled' })
  t.match(alert.json(), { type: 'hall_booking_cancelled', subject: /^Booking cancelled/ }, 'the type picks the sample')
  const wrongType = await call('POST', `${base}/preview`, { type: 'welcome' })
  t.equal(wrongType.statusCode, 400)
  t.match(wrongType.json().message, 'type "welcome" is not sent with the booking-confirmed template')
  const badData = await call('POST', `${base}/preview`, { data: { nothing: true } })
  t.equal(badData.statusCode, 400)
  t.match(badData.json().message, 'cannot render with these data')
  t.equal((await call('POST', `${base}/preview`, { channel: 'sms' })).statusCode, 400, 'only email has templates')
  t.equal((await call('POST', `${base}/preview`, { source: { ...reworded, html: '<%= require %>' } })).statusCode, 400, 'a given source is checked too')

  t.equal((await call('DELETE', base)).statusCode, 204)
  t.equal((await call('GET', base)).json().draft, null, 'discarded')
  t.equal((await call('POST', `${base}/preview`, {})).json().rendered, 'current', 'the preview falls back to the version in use')
})

async function sampleData(): Promise<Record<string, unknown>> {
  // The payload planning gives a German booker (the same planning as real events).
  const { loadEmailSamples } = await import('../src/email/email-samples.js')
  return loadEmailSamples().find((s) => s.template === 'booking-confirmed')!.email.payload
}

t.test('publish: the next German confirmation uses the new wording and records version 1; restore the file default, then version 1 again', async (t) => {
  const before = await germanConfirmation()
  t.match(before.email.parsed.subject, /^Buchung bestätigt: /, 'the file wording before')
  t.equal(before.version, null, 'rendered from the file: no version')

  t.equal((await call('PUT', base, reworded)).statusCode, 200)
  const published = await call('POST', `${base}/publish`)
  t.equal(published.statusCode, 200)
  t.match(published.json(), { version: 1, fileDefault: false, restoredFrom: null, createdBy: 'op-1', ...reworded })
  t.equal((await call('GET', base)).json().draft, null, 'the draft became the version')

  const after = await germanConfirmation()
  t.match(after.email.parsed.subject, /^Gebucht: Quarterly review am /, 'the published subject')
  t.match(after.email.parsed.html, 'Alles klar, Ihr Saal ist reserviert', 'the published HTML')
  t.match(after.email.parsed.text, 'Alles klar, Ihr Saal ist reserviert', 'the published text')
  t.match(after.email.raw, /^List-Unsubscribe:\s+<http[^>]*\/v1\/unsubscribe\?token=/m, 'the unsubscribe header')
  t.match(after.email.parsed.html, 'Diese E-Mails abbestellen', 'still inside the layout, with its unsubscribe link')
  t.equal(after.version, 1, 'the delivery row carries the version')

  const english = await germanConfirmation({ id: 'u-en-1', email: 'en-1@example.com', name: 'Ada', locale: 'en' })
  t.match(english.email.parsed.subject, /^Booking confirmed: /, 'English is untouched')
  t.equal(english.version, null)

  const diff = await call('GET', `${base}/diff?from=0&to=1`)
  t.equal(diff.statusCode, 200)
  const d = diff.json()
  t.match(d, { from: 0, to: 1, subject: { added: 1, removed: 1 }, html: { added: 1, removed: 1 }, text: { added: 1, removed: 1 } })
  t.same(
    d.html.changes.filter((c: { kind: string }) => c.kind !== 'same'),
    [
      { kind: 'removed', lines: ['<h1>Ihre Buchung ist bestätigt</h1>'] },
      { kind: 'added', lines: ['<h1>Alles klar, Ihr Saal ist reserviert</h1>'] },
    ],
  )

  const restored = await call('POST', `${base}/versions/0/restore`)
  t.equal(restored.statusCode, 200)
  t.match(restored.json(), { version: 2, fileDefault: true, restoredFrom: 0, subject: file.subject })
  const back = await germanConfirmation()
  t.match(back.email.parsed.subject, /^Buchung bestätigt: /, 'the file wording again')
  t.equal(back.version, null, 'rendered from the file again')

  const again = await call('POST', `${base}/versions/1/restore`)
  t.match(again.json(), { version: 3, fileDefault: false, restoredFrom: 1, subject: reworded.subject })
  const third = await germanConfirmation()
  t.match(third.email.parsed.subject, /^Gebucht: /)
  t.equal(third.version, 3)

  const versions = (await call('GET', `${base}/versions`)).json().items as { version: number; inUse: boolean; restoredFrom: number | null }[]
  t.same(versions.map((v) => [v.version, v.inUse, v.restoredFrom]), [[3, true, 1], [2, false, 0], [1, false, null], [0, false, null]], 'newest first, ending with the file default')
  t.match((await call('GET', `${base}/versions/1`)).json(), reworded, 'a version keeps its texts')
  t.match((await call('GET', `${base}/versions/0`)).json(), { version: 0, fileDefault: true, subject: file.subject })
  t.match((await call('GET', `${base}/diff?from=1&to=3`)).json(), { subject: { added: 0, removed: 0 }, html: { added: 0, removed: 0 } }, 'a restore is the same text')
})

t.test('a publish on another replica reaches this one through the database', async (t) => {
  const otherAdmin = auth(other, 'op-2', ['notifications:admin'])
  const replicaWording = { ...reworded, subject: 'Von nebenan: <%= it.booking.title %> am <%= it.when %>' }
  t.equal((await other.inject({ method: 'PUT', url: base, headers: otherAdmin, payload: replicaWording })).statusCode, 200)
  const published = await other.inject({ method: 'POST', url: `${base}/publish`, headers: otherAdmin })
  t.equal(published.statusCode, 200)
  const version = published.json().version as number
  await waitFor(() => app.emailTemplates.published.get('booking-confirmed', 'de')?.version === version, { what: 'the NOTIFY to reach the sending replica' })
  const email = await germanConfirmation()
  t.match(email.email.parsed.subject, /^Von nebenan: /)
  t.equal(email.version, version)
})
