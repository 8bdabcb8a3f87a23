import t from 'tap'
import { auth, build, createTestDatabase } from './helpers/app.js'
import { ada, bookingCreated, grace } from './helpers/events.js'

// Each delivery to a user names the notification it is about: the groundwork for email
// links that mark their notification read, and what operators see beside a delivery.
const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false })
const operator = auth(app, 'ops-1', ['notifications:admin'])

t.test('an email delivery carries the id of the notification it belongs to', async (t) => {
  const event = bookingCreated({ user: ada, admins: [grace] })
  const published = await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'booking-service', ['events:publish']), payload: event })
  t.equal(published.statusCode, 202)
  const emails = (await app.inject({ url: '/v1/admin/deliveries?channel=email', headers: operator })).json().items as { userId: string; type: string; notificationId: string | null }[]
  t.equal(emails.length, 2, 'one email for the booker, one for the hall admin')
  for (const person of [ada, grace]) {
    const [notification] = (await app.inject({ url: '/v1/notifications?limit=1', headers: auth(app, person.id) })).json().items as { id: string; type: string }[]
    const email = emails.find((e) => e.userId === person.id)
    t.ok(notification, `${person.id} has a notification`)
    t.equal(email?.notificationId, notification?.id, `${person.id}'s email names their notification`)
    t.equal(email?.type, notification?.type)
  }
})
