import t from 'tap'
import { createUnsubscribeToken } from '../src/email/unsubscribe-token.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { type Person, bookingCreated, userCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

const smtp = new SmtpSink()
await smtp.start()
t.teardown(() => smtp.stop())
const { app, config } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url, PUBLIC_URL: 'https://notify.example.com' })
const publisher = auth(app, 'booking-service', ['events:publish'])
const person = (id: string): Person => ({ id, email: `${id}@example.com`, name: id })
const ingest = (events: object[]) => app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: events })
const finalEmails = (userId: string) =>
  waitFor(async () => {
    const rows = await app.db.selectFrom('email_outbox').selectAll().where('user_id', '=', userId).execute()
    return rows.every((r) => r.status === 'sent') && rows
  })

t.test('preferences: all on by default; a partial PUT answers the full map', async (t) => {
  const initial = await app.inject({ url: '/v1/preferences', headers: auth(app, 'p-1') })
  t.same(initial.json(), {
    welcome: { email: true, inApp: true, push: true, sms: false },
    booking_confirmed: { email: true, inApp: true, push: true, sms: false },
    hall_booking_created: { email: true, inApp: true, push: true, sms: false, digest: 'off' },
    booking_cancelled: { email: true, inApp: true, push: true, sms: true },
    hall_booking_cancelled: { email: true, inApp: true, push: true, sms: false, digest: 'off' },
    announcement: { email: true, inApp: true, push: true, sms: false },
    // On by default for a change: the urgent ones (under 24 h before the start) go by SMS.
    booking_updated: { email: true, inApp: true, push: true, sms: true },
    hall_booking_updated: { email: true, inApp: true, push: true, sms: false, digest: 'off' },
    booking_reminder: { email: true, inApp: true, push: true, sms: false },
  })
  const put = await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, 'p-1'), payload: { booking_confirmed: { email: false }, hall_booking_created: { inApp: false } } })
  t.equal(put.statusCode, 200)
  t.match(put.json(), { booking_confirmed: { email: false, inApp: true }, hall_booking_created: { email: true, inApp: false }, welcome: { email: true, inApp: true } })
  const second = await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, 'p-1'), payload: { booking_confirmed: { inApp: false } } })
  t.match(second.json().booking_confirmed, { email: false, inApp: false }, 'a channel not named keeps its value')
  t.match((await app.inject({ url: '/v1/preferences', headers: auth(app, 'p-2') })).json().booking_confirmed, { email: true, inApp: true }, 'per user')
})

t.test('preferences: push and sms per type, kept as one row per (user, type, channel)', async (t) => {
  const headers = auth(app, 'p-rows')
  const put = await app.inject({ method: 'PUT', url: '/v1/preferences', headers, payload: { booking_confirmed: { push: false, sms: true }, booking_cancelled: { sms: false } } })
  t.equal(put.statusCode, 200)
  t.match(put.json(), { booking_confirmed: { email: true, inApp: true, push: false, sms: true }, booking_cancelled: { sms: false, push: true } })
  const rows = await app.db.selectFrom('preferences').select(['type', 'channel', 'enabled']).where('user_id', '=', 'p-rows').orderBy('type').orderBy('channel').execute()
  t.same(rows, [
    { type: 'booking_cancelled', channel: 'sms', enabled: false },
    { type: 'booking_confirmed', channel: 'push', enabled: false },
    { type: 'booking_confirmed', channel: 'sms', enabled: true },
  ], 'only what was set is stored, a row per channel')
  const again = await app.inject({ method: 'PUT', url: '/v1/preferences', headers, payload: { booking_confirmed: { sms: false } } })
  t.match(again.json().booking_confirmed, { push: false, sms: false }, 'changed in place; push keeps its value')
})

t.test('preferences: bad changes answer 400', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ welcome: { email: false } }, /welcome email cannot be turned off/],
    [{ promo: { email: false } }, /must NOT have additional properties/],
    [{ booking_confirmed: { fax: true } }, /must NOT have additional properties/],
    [{ booking_confirmed: { push: 'off' } }, /must be boolean/],
    [{ booking_confirmed: { email: 'no' } }, /must be boolean/],
  ]
  for (const [payload, message] of cases) {
    const response = await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, 'p-3'), payload: payload as object })
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.match(response.json().message, message)
  }
})

t.test('the pipeline honours preferences: email off keeps the in-app row, in-app off keeps the email', async (t) => {
  await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, 'quiet'), payload: { booking_confirmed: { email: false } } })
  await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, 'admin-quiet'), payload: { hall_booking_created: { inApp: false } } })
  await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, 'welcomed'), payload: { welcome: { inApp: false } } })
  const event = bookingCreated({ user: person('quiet'), admins: [person('admin-quiet')] })
  await ingest([event, userCreated(person('welcomed'))])

  const rows = await app.db.selectFrom('notifications').select(['user_id', 'type']).where('user_id', 'in', ['quiet', 'admin-quiet', 'welcomed']).execute()
  t.same(rows, [{ user_id: 'quiet', type: 'booking_confirmed' }], 'only the in-app row that is on')
  const emails = await app.db.selectFrom('email_outbox').select(['user_id', 'template']).where('user_id', 'in', ['quiet', 'admin-quiet', 'welcomed']).orderBy('user_id').execute()
  t.same(emails, [
    { user_id: 'admin-quiet', template: 'hall-admin-alert' },
    { user_id: 'welcomed', template: 'welcome' },
  ])
})

t.test('one-click unsubscribe from the email link turns that email type off, without logging in', async (t) => {
  await ingest([bookingCreated({ user: person('reader'), admins: [] })])
  await finalEmails('reader')
  const mail = smtp.to('reader@example.com')[0]!
  const header = mail.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ')
  const link = /^List-Unsubscribe: <([^>]+)>/m.exec(header)![1]!
  const path = link.replace('https://notify.example.com', '')

  const page = await app.inject({ url: path })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.match(page.body, /<form method="post"/, 'GET shows a confirm button and changes nothing')
  t.match((await app.inject({ url: '/v1/preferences', headers: auth(app, 'reader') })).json().booking_confirmed, { email: true })

  // What a mail client sends for RFC 8058.
  const post = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })
  t.equal(post.statusCode, 200)
  t.same(post.json(), { unsubscribed: true, type: 'booking_confirmed', types: ['booking_confirmed'] })
  t.match((await app.inject({ url: '/v1/preferences', headers: auth(app, 'reader') })).json().booking_confirmed, { email: false, inApp: true })

  await ingest([bookingCreated({ user: person('reader'), admins: [] })])
  const emails = await app.db.selectFrom('email_outbox').select('id').where('user_id', '=', 'reader').execute()
  t.equal(emails.length, 1, 'no further confirmation emails')

  const browser = await app.inject({ method: 'POST', url: path, headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })
  t.match(browser.body, /no longer get emails about <strong>booking confirmations/, 'a browser gets a page')
})

t.test('forged or altered unsubscribe tokens answer 400', async (t) => {
  const good = createUnsubscribeToken({ userId: 'victim', type: 'booking_confirmed' }, config.unsubscribeSecret)
  const [body, signature] = good.split('.')
  const otherUser = Buffer.from(JSON.stringify(['someone', 'booking_confirmed'])).toString('base64url')
  const cases = [
    ['altered user', `${otherUser}.${signature}`],
    ['forged signature', `${body}.${'A'.repeat(43)}`],
    ['signed with another key', createUnsubscribeToken({ userId: 'victim', type: 'booking_confirmed' }, 'another-secret-another-secret-another')],
    ['no signature', body!],
    ['garbage', 'x.y.z'],
    ['welcome cannot be unsubscribed', createUnsubscribeToken({ userId: 'victim', type: 'welcome' }, config.unsubscribeSecret)],
  ]
  for (const [name, token] of cases) {
    const response = await app.inject({ method: 'POST', url: `/v1/unsubscribe?token=${encodeURIComponent(token!)}` })
    t.equal(response.statusCode, 400, String(name))
    t.match(response.json().message, /not valid/)
  }
  t.equal((await app.inject({ method: 'POST', url: '/v1/unsubscribe' })).statusCode, 400, 'no token')
  t.match((await app.inject({ url: '/v1/preferences', headers: auth(app, 'victim') })).json().booking_confirmed, { email: true }, 'nothing changed')
})

t.test('the unauthenticated unsubscribe endpoint is rate limited', async (t) => {
  const token = createUnsubscribeToken({ userId: 'limited', type: 'hall_booking_created' }, config.unsubscribeSecret)
  const statuses: number[] = []
  for (let i = 0; i < 35; i++) statuses.push((await app.inject({ url: `/v1/unsubscribe?token=${token}`, remoteAddress: '10.9.8.7' })).statusCode)
  t.ok(statuses.slice(0, 20).every((s) => s === 200), 'ordinary use passes')
  const limited = await app.inject({ url: `/v1/unsubscribe?token=${token}`, remoteAddress: '10.9.8.7' })
  t.equal(limited.statusCode, 429)
  t.match(limited.json(), { statusCode: 429, message: /Rate limit exceeded/ })
  t.equal((await app.inject({ url: `/v1/unsubscribe?token=${token}`, remoteAddress: '10.9.8.8' })).statusCode, 200, 'another address is not affected')
})
