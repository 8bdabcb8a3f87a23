import t from 'tap'
import { HALL_ALERT_TYPES } from '../src/email/unsubscribe-page.js'
import { createUnsubscribeToken, verifyUnsubscribeToken } from '../src/email/unsubscribe-token.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { bookingCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

// The unsubscribe page as a recipient meets it (contract section 2, "Preferences and
// unsubscribe"; issue 13 item 6): their language, the kind of email in words, all hall
// alerts at once for a hall admin, and a page (not JSON) for a bad link.
const smtp = new SmtpSink()
await smtp.start()
t.teardown(() => smtp.stop())
const { app, config } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url, PUBLIC_URL: 'https://notify.example.com' })
const tokenFor = (userId: string, type: string, locale?: string) => createUnsubscribeToken({ userId, type, ...(locale ? { locale } : {}) }, config.unsubscribeSecret)
const emailPrefs = async (userId: string) => {
  const prefs = (await app.inject({ url: '/v1/preferences', headers: auth(app, userId) })).json<Record<string, { email: boolean }>>()
  return Object.fromEntries(Object.entries(prefs).map(([type, p]) => [type, p.email]))
}
const form = { 'content-type': 'application/x-www-form-urlencoded' }

t.test("a German recipient's link opens a German page naming the kind of email", async (t) => {
  await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'booking-service', ['events:publish']), payload: bookingCreated({ user: { id: 'u-de', email: 'de@example.com', name: 'Dora', locale: 'de-DE' }, admins: [] }) })
  const mail = await waitFor(() => smtp.to('de@example.com')[0], { what: 'the German confirmation' })
  const header = mail.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ')
  const link = /^List-Unsubscribe: <([^>]+)>/m.exec(header)![1]!
  const token = new URL(link).searchParams.get('token')!
  t.same(verifyUnsubscribeToken(token, config.unsubscribeSecret), { userId: 'u-de', type: 'booking_confirmed', locale: 'de-DE' }, 'the link carries the recipient locale')

  const page = await app.inject({ url: link.replace('https://notify.example.com', ''), headers: { 'accept-language': 'en-US,en;q=0.9' } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<html lang="de">/, "the token's language wins over the browser's")
  t.match(page.body, /Keine E-Mails mehr zu <strong>Buchungsbestätigungen<\/strong>/)
  t.notMatch(page.body, /alle|all hall/i, 'no "all alerts" offer for a booker')
  const done = await app.inject({ method: 'POST', url: link.replace('https://notify.example.com', ''), headers: { ...form, accept: 'text/html' }, payload: 'List-Unsubscribe=One-Click' })
  t.match(done.body, /Sie erhalten keine E-Mails mehr zu <strong>Buchungsbestätigungen/)
  t.equal((await emailPrefs('u-de')).booking_confirmed, false)
})

t.test('links from before tokens carried a locale follow the browser, else English', async (t) => {
  const old = tokenFor('u-old', 'booking_cancelled')
  const german = await app.inject({ url: `/v1/unsubscribe?token=${old}`, headers: { 'accept-language': 'fr-FR, de;q=0.8, en;q=0.5' } })
  t.match(german.body, /<html lang="de">[\s\S]*Stornierungen Ihrer Buchungen/, 'the first language spoken here')
  const english = await app.inject({ url: `/v1/unsubscribe?token=${old}` })
  t.match(english.body, /<html lang="en">[\s\S]*Stop emails about <strong>booking cancellations<\/strong>/)
})

t.test('a hall admin can stop one kind of alert or all hall alerts', async (t) => {
  t.ok(HALL_ALERT_TYPES.length >= 2, 'there are several hall alert types')
  const token = tokenFor('u-admin', 'hall_booking_created', 'en')
  const page = await app.inject({ url: `/v1/unsubscribe?token=${token}` })
  t.match(page.body, /new booking alerts for your halls/)
  const actions = [...page.body.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => m[1]!.replace(/&#38;/g, '&'))
  t.same(actions, [`/v1/unsubscribe?token=${token}`, `/v1/unsubscribe?token=${token}&scope=all`], 'two forms: this kind, or all hall alerts')
  t.match(page.body, /Unsubscribe from all hall alerts/)

  const one = await app.inject({ method: 'POST', url: actions[0]!, headers: form, payload: 'List-Unsubscribe=One-Click' })
  t.same(one.json(), { unsubscribed: true, type: 'hall_booking_created', types: ['hall_booking_created'] })
  t.match(await emailPrefs('u-admin'), { hall_booking_created: false, hall_booking_cancelled: true })

  const all = await app.inject({ method: 'POST', url: actions[1]!, headers: { ...form, accept: 'text/html' }, payload: 'List-Unsubscribe=One-Click' })
  t.equal(all.statusCode, 200)
  t.match(all.body, /no longer get emails about bookings in your halls/)
  const prefs = await emailPrefs('u-admin')
  for (const type of HALL_ALERT_TYPES) t.equal(prefs[type], false, `${type} is off`)
  t.equal(prefs.booking_confirmed, true, "the admin's own booking emails stay on")

  // scope=all on a booker's email changes that type only.
  const booker = tokenFor('u-booker', 'booking_confirmed', 'en')
  t.same((await app.inject({ method: 'POST', url: `/v1/unsubscribe?token=${booker}&scope=all`, headers: form, payload: 'List-Unsubscribe=One-Click' })).json().types, ['booking_confirmed'])
  t.match(await emailPrefs('u-booker'), { booking_confirmed: false, hall_booking_created: true })
})

t.test('a bad link gets a page with status 400, in the browser language; one-click clients still get JSON', async (t) => {
  const good = tokenFor('victim', 'booking_confirmed', 'en')
  for (const [name, url] of [
    ['altered', `/v1/unsubscribe?token=${good.slice(0, -2)}xx`],
    ['cut short', `/v1/unsubscribe?token=${good.slice(0, 20)}`],
    ['missing', '/v1/unsubscribe'],
    ['empty', '/v1/unsubscribe?token='],
  ] as const) {
    const page = await app.inject({ url, headers: { 'accept-language': 'de' } })
    t.equal(page.statusCode, 400, `${name}: 400`)
    t.match(page.headers['content-type'], /^text\/html/, `${name}: a page`)
    t.match(page.body, /<h1>Dieser Link funktioniert nicht<\/h1>/)
    const browser = await app.inject({ method: 'POST', url, headers: { ...form, accept: 'text/html' }, payload: 'List-Unsubscribe=One-Click' })
    t.equal(browser.statusCode, 400)
    t.match(browser.body, /<h1>This link does not work<\/h1>/, `${name}: a browser's POST gets a page too`)
  }
  const welcome = await app.inject({ url: `/v1/unsubscribe?token=${tokenFor('victim', 'welcome', 'en')}` })
  t.equal(welcome.statusCode, 400, 'the welcome email cannot be unsubscribed: a page says the link does not work')
  const oneClick = await app.inject({ method: 'POST', url: `/v1/unsubscribe?token=${good.slice(0, -2)}xx`, headers: form, payload: 'List-Unsubscribe=One-Click' })
  t.equal(oneClick.statusCode, 400)
  t.match(oneClick.json().message, /not valid/, 'RFC 8058 clients keep the JSON answer')
  t.equal((await emailPrefs('victim')).booking_confirmed, true, 'nothing changed')
})
