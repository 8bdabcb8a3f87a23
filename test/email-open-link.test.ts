import type { AddressInfo } from 'node:net'
import t from 'tap'
import { signNotificationOpen } from '../src/email/open-link.js'
import { auth, build, createTestDatabase, token, waitFor } from './helpers/app.js'
import { bookingCreated, grace } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'
import { SseClient } from './helpers/sse-client.js'

// An email's main link names its notification: opening it marks that notification read
// (seen by every tab) and lands on the notification's page in the app.
const smtp = new SmtpSink()
await smtp.start()
t.teardown(() => smtp.stop())
const APP_URL = 'https://app.bookit.test'
const PUBLIC_URL = 'https://notify.bookit.test'
const { app, config } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url, APP_URL, PUBLIC_URL })
await app.listen({ port: 0, host: '127.0.0.1' })
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
await waitFor(() => app.notificationListener.connected, { what: 'the change listener' })
const publisher = auth(app, 'booking-service', ['events:publish'])

type Notification = { id: string; type: string; url: string; readAt: string | null }
const notificationsOf = async (userId: string) => (await app.inject({ url: '/v1/notifications?limit=50', headers: auth(app, userId) })).json().items as Notification[]
// One booking per person here, so the person's first email is the one.
const emailTo = (address: string) => waitFor(() => smtp.received.find((m) => m.to === address), { what: `the email to ${address}` })
/** Opens a link from an email over real HTTP, as a mail client's browser does, without following the redirect. */
const open = (link: string) => {
  const u = new URL(link)
  return fetch(`${base}${u.pathname}${u.search}`, { redirect: 'manual' })
}
const person = (id: string) => ({ id, email: `${id}@example.com`, name: id, locale: 'en' })

t.test('the email carries the open link; opening it marks the notification read, tells the streams and redirects to the deep link', async (t) => {
  const booker = person('open-1')
  const stream = await SseClient.open(`${base}/v1/notifications/stream`, { authorization: `Bearer ${token(app, booker.id)}` })
  t.teardown(() => stream.close())
  await stream.next((f) => f.event === 'unread-count')

  const event = bookingCreated({ user: booker, admins: [grace] })
  t.equal((await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: event })).statusCode, 202)
  const bookingId = event.data.booking.id as string
  const [notification] = await notificationsOf(booker.id)
  t.ok(notification, 'the booker has the in-app notification')
  t.equal(notification!.readAt, null, 'unread to begin with')

  const email = await emailTo(booker.email)
  const link = `${PUBLIC_URL}/v1/notifications/${notification!.id}/open?sig=${signNotificationOpen(notification!.id, config.unsubscribeSecret)}`
  t.match(email.parsed.html, `href="${link}"`, 'the HTML button goes through the open link')
  t.match(email.parsed.text, `View booking: ${link}`, 'and so does the text part')
  t.notMatch(email.parsed.html, `href="${APP_URL}/bookings/`, 'no plain deep link beside it')
  t.match(email.raw.replace(/\r?\n[ \t]+/g, ' '), /^List-Unsubscribe: <https:\/\/notify\.bookit\.test\/v1\/unsubscribe\?token=[^>]+>\r?$/im, 'List-Unsubscribe is still the unsubscribe link')

  // The hall admin's alert is about the same booking, but opens the admin's own notification.
  const [alert] = await notificationsOf(grace.id)
  const alertEmail = await waitFor(() => smtp.received.find((m) => m.to === grace.email && m.parsed.html !== false && String(m.parsed.html).includes(alert!.id)), { what: "the hall admin's alert" })
  const alertLink = `${PUBLIC_URL}/v1/notifications/${alert!.id}/open?sig=${signNotificationOpen(alert!.id, config.unsubscribeSecret)}`
  t.match(alertEmail.parsed.html, `href="${alertLink}"`, "the hall admin's alert opens the admin's notification")
  t.match(alertEmail.parsed.text, alertLink)

  const response = await open(link)
  t.equal(response.status, 302)
  t.equal(response.headers.get('location'), `${APP_URL}/bookings/${encodeURIComponent(bookingId)}`, "to the notification's deep link")
  t.equal(`${APP_URL}${notification!.url}`, response.headers.get('location'), 'the same url the API gives it')

  const [after] = await notificationsOf(booker.id)
  t.type(after!.readAt, 'string', 'the API shows it read')
  const updated = await stream.next((f) => f.event === 'notification-updated')
  t.match(JSON.parse(updated.data!), { id: notification!.id, readAt: after!.readAt }, 'the stream of that user is told')
  await stream.next((f) => f.event === 'unread-count' && JSON.parse(f.data!).count === 0)
  t.equal((await app.inject({ url: '/v1/notifications/unread-count', headers: auth(app, booker.id) })).json().count, 0, 'the count follows')

  t.test('opening it again is harmless: same redirect, the first read time kept, no new change', async (t) => {
    const changes = () => app.db.selectFrom('notification_changes').select('seq').where('notification_id', '=', notification!.id).execute()
    const before = (await changes()).length
    const again = await open(link)
    t.equal(again.status, 302)
    t.equal(again.headers.get('location'), response.headers.get('location'))
    const [still] = await notificationsOf(booker.id)
    t.equal(still!.readAt, after!.readAt, 'read when it was first opened')
    t.equal((await changes()).length, before, 'nothing new for the change feed')
  })
})

t.test('a tampered or missing signature: 400 with a message, no redirect, nothing marked', async (t) => {
  const booker = person('open-2')
  const other = person('open-3')
  for (const p of [booker, other]) {
    t.equal((await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: bookingCreated({ user: p, admins: [] }) })).statusCode, 202)
  }
  const [mine] = await notificationsOf(booker.id)
  const [theirs] = await notificationsOf(other.id)
  const sig = signNotificationOpen(mine!.id, config.unsubscribeSecret)
  const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)
  for (const [what, url] of [
    ['a changed signature', `/v1/notifications/${mine!.id}/open?sig=${flipped}`],
    ['a cut-short signature', `/v1/notifications/${mine!.id}/open?sig=${sig.slice(0, -1)}`],
    ['no signature', `/v1/notifications/${mine!.id}/open`],
    ["another notification's signature", `/v1/notifications/${theirs!.id}/open?sig=${sig}`],
    ['a signature made with another key', `/v1/notifications/${mine!.id}/open?sig=${signNotificationOpen(mine!.id, 'another-key')}`],
  ] as const) {
    const response = await fetch(`${base}${url}`, { redirect: 'manual' })
    t.equal(response.status, 400, what)
    t.equal(response.headers.get('location'), null, `${what}: no redirect`)
    t.match(await response.json(), { statusCode: 400, message: /not valid/ }, `${what}: says why`)
  }
  t.equal((await notificationsOf(booker.id))[0]!.readAt, null, 'still unread')
  t.equal((await notificationsOf(other.id))[0]!.readAt, null, 'the other one too')
})

t.test('a notification that no longer exists (unknown, deleted): a redirect to the app, never an error', async (t) => {
  const unknown = '0b5d6c1e-6f0a-4c59-9d1e-3f2a1b0c9d8e'
  const response = await fetch(`${base}/v1/notifications/${unknown}/open?sig=${signNotificationOpen(unknown, config.unsubscribeSecret)}`, { redirect: 'manual' })
  t.equal(response.status, 302)
  t.equal(response.headers.get('location'), APP_URL)

  const booker = person('open-4')
  await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: bookingCreated({ user: booker, admins: [] }) })
  const [notification] = await notificationsOf(booker.id)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/notifications/${notification!.id}`, headers: auth(app, booker.id) })).statusCode, 204)
  const deleted = await fetch(`${base}/v1/notifications/${notification!.id}/open?sig=${signNotificationOpen(notification!.id, config.unsubscribeSecret)}`, { redirect: 'manual' })
  t.equal(deleted.status, 302)
  t.equal(deleted.headers.get('location'), APP_URL, 'deleted since the email went out: to the app')

  const notUuid = 'not-a-uuid'
  const odd = await fetch(`${base}/v1/notifications/${notUuid}/open?sig=${signNotificationOpen(notUuid, config.unsubscribeSecret)}`, { redirect: 'manual' })
  t.equal(odd.status, 302, 'a signed id that cannot name a row: to the app too')
  t.equal(odd.headers.get('location'), APP_URL)
})

t.test('a German email carries the open link in both parts too', async (t) => {
  const booker = { ...person('open-de'), locale: 'de-DE' }
  await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: bookingCreated({ user: booker, admins: [] }) })
  const [notification] = await notificationsOf(booker.id)
  const email = await emailTo(booker.email)
  const link = `${PUBLIC_URL}/v1/notifications/${notification!.id}/open?sig=${signNotificationOpen(notification!.id, config.unsubscribeSecret)}`
  t.match(email.parsed.html, `href="${link}">Buchung ansehen`)
  t.match(email.parsed.text, `Buchung ansehen: ${link}`)
})

t.test('in-app turned off: no notification id, so the email keeps the plain deep link', async (t) => {
  const booker = person('open-5')
  t.equal((await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, booker.id), payload: { booking_confirmed: { inApp: false } } })).statusCode, 200)
  const event = bookingCreated({ user: booker, admins: [] })
  await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: event })
  const bookingId = event.data.booking.id as string
  const email = await emailTo(booker.email)
  t.same(await notificationsOf(booker.id), [], 'no in-app notification')
  t.match(email.parsed.html, `href="${APP_URL}/bookings/${encodeURIComponent(bookingId)}"`, 'the plain deep link')
  t.notMatch(email.parsed.html, '/open?sig=')
  t.notMatch(email.parsed.text, '/open?sig=')
})
