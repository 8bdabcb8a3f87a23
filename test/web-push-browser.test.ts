import { existsSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import t from 'tap'
import { createWebPushChannel } from '../src/delivery/web-push/index.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { ada } from './helpers/events.js'
import { PushService } from './helpers/push-service.js'

/**
 * The sample service worker in a real browser (Debian's chromium, driven by playwright-core):
 * the bytes our push service decrypted from a channel send are handed to the worker through
 * the DevTools protocol (ServiceWorker.deliverPushMessage), and the worker shows them.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

interface Shown {
  title: string
  body: string
  tag: string
  data: { url: string; notificationId: string | null }
}

if (!existsSync(executablePath)) {
  // CI installs chromium and sets REQUIRE_BROWSER=1, so there a missing browser fails the run.
  if (process.env.REQUIRE_BROWSER) t.fail(`no browser at ${executablePath}: install Debian's chromium package or set CHROMIUM_PATH`)
  else t.test('service worker in a browser', { skip: `no browser at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)` }, async () => {})
} else {
  const { app, config } = await build(t, { DATABASE_URL: await createTestDatabase(t), APP_URL: 'https://app.example.com', PUSH_ALLOWED_HOSTS: '127.0.0.1' }, { sendEmails: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

  const service = new PushService({ vapidPublicKey: config.webPush!.publicKey, subject: config.webPush!.subject })
  await service.start()
  t.teardown(() => service.stop())
  const channel = createWebPushChannel({ config, db: app.db, log: app.log, metrics: app.metrics }, { ca: service.ca })
  t.teardown(() => channel.close())

  const browser = await chromium.launch({
    executablePath,
    // Headless on a machine with no display and no outside network.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  t.teardown(() => browser.close())

  t.test('a push the channel sent is shown as a notification that links to the app', async (t) => {
    // What the browser would receive: the channel's message, decrypted by the push service.
    const subscription = service.subscribe()
    const id = (await app.inject({ method: 'POST', url: '/v1/push/subscriptions', headers: auth(app, ada.id), payload: { endpoint: subscription.endpoint, keys: subscription.keys } })).json().id as string
    const notificationId = randomUUID()
    const outcome = await channel.send(
      {
        id: randomUUID(), channel: 'push', userId: ada.id, destination: id, notificationType: 'booking_cancelled', notificationId,
        template: 'push', locale: 'en', payload: { title: 'Booking cancelled', body: 'Quarterly review <b>was</b> cancelled.', bookingId: 'b-7' }, attempts: 1, createdAt: new Date(),
      },
      new AbortController().signal,
    )
    t.equal(outcome.kind, 'sent')
    const plaintext = service.messagesFor(subscription)[0]!.plaintext

    const context = await browser.newContext()
    t.teardown(() => context.close())
    await context.grantPermissions(['notifications'], { origin })
    const page = await context.newPage()
    await page.goto(`${origin}/health/live`)
    const cdp = await context.newCDPSession(page)
    const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = []
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event: { registrations: typeof registrations }) => registrations.push(...event.registrations))
    await cdp.send('ServiceWorker.enable')

    const scope = await page.evaluate(`navigator.serviceWorker.register('/sw.js').then(() => navigator.serviceWorker.ready).then((r) => r.scope)`)
    t.equal(scope, `${origin}/`, 'the worker from /sw.js controls the whole origin')
    const registration = await waitFor(() => registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted), { what: 'the registration over CDP' })

    await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${origin}/`, registrationId: registration.registrationId, data: plaintext })
    const shown = await waitFor(
      async () => {
        const list = (await page.evaluate(`navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })))`)) as Shown[]
        return list.length > 0 ? list : undefined
      },
      { what: 'the notification' },
    )
    t.equal(shown.length, 1)
    t.equal(shown[0]!.title, 'Booking cancelled')
    t.equal(shown[0]!.body, 'Quarterly review <b>was</b> cancelled.', 'text shown as text')
    t.same(shown[0]!.data, { url: 'https://app.example.com/bookings/b-7', notificationId }, 'the click opens the booking in the app')
    t.ok(shown[0]!.tag.length > 0, 'tagged by booking, so a newer message replaces it')

    // A second message about the same booking replaces the first on the device.
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${origin}/`, registrationId: registration.registrationId, data: plaintext.replace('Booking cancelled', 'Booking cancelled (again)') })
    const replaced = await waitFor(
      async () => {
        const list = (await page.evaluate(`navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.map((n) => ({ title: n.title })))`)) as { title: string }[]
        return list.some((n) => n.title === 'Booking cancelled (again)') ? list : undefined
      },
      { what: 'the second notification' },
    )
    t.equal(replaced.length, 1, 'one notification per booking')
  })
}
