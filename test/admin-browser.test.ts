import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { type Page, chromium } from 'playwright-core'
import t from 'tap'
import { auth, build, createTestDatabase, token, waitFor } from './helpers/app.js'
import { ada, bookingCreated } from './helpers/events.js'
import { CHROMIUM_ARGS, buildClientForTest } from './helpers/inbox-page.js'

/**
 * The admin page in Chromium against the real service and database: a wrong token is
 * refused with a clear message, an admin token signs in, deliveries are listed and a failed
 * one is retried, webhooks are registered and removed, the statistics chart renders; the
 * token never reaches storage or cookies, and the strict CSP blocks nothing the page needs.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SLOW = { timeout: 30_000 }

if (!existsSync(executablePath)) {
  if (process.env.REQUIRE_BROWSER) t.fail(`no browser at ${executablePath}: install Debian's chromium package or set CHROMIUM_PATH`)
  else t.test('admin page in a browser', { skip: `no browser at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)` }, async () => {})
} else {
  const clientDir = await buildClientForTest()
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false, clientDir })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())

  // A booking for Ada plans an email; it is made to have failed, with a reason an operator reads.
  const ingest = await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'booking-service', ['events:publish']), payload: bookingCreated({ user: ada, admins: [] }) })
  if (ingest.statusCode !== 202) throw new Error(`seed: ${ingest.statusCode} ${ingest.body}`)
  const email = await app.db.selectFrom('deliveries').select(['id']).where('channel', '=', 'email').where('user_id', '=', ada.id).executeTakeFirstOrThrow()
  await app.db.updateTable('deliveries').set({ status: 'failed', last_error: '550 mailbox unavailable', updated_at: new Date() }).where('id', '=', email.id).execute()

  const problems: string[] = []
  const openAdmin = async (tt: { teardown(fn: () => unknown): void }): Promise<Page> => {
    const context = await browser.newContext()
    tt.teardown(() => context.close())
    const page = await context.newPage()
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()} ${m.location().url}`))
    await page.goto(`${base}/admin`)
    await page.locator('bookit-admin textarea[name=token]').waitFor(SLOW)
    return page
  }
  const signIn = async (page: Page, value: string) => {
    await page.locator('bookit-admin textarea[name=token]').fill(value)
    await page.locator('bookit-admin .sign-in button[type=submit]').click()
  }
  const alertText = (page: Page) => page.locator('bookit-admin .sign-in [role=alert]').textContent()

  t.test('a wrong token, or one without the admin role, gets a clear message and no tabs', async (t) => {
    const page = await openAdmin(t)
    await signIn(page, 'not-a-token')
    await waitFor(async () => ((await alertText(page)) ?? '').length > 0, { ...SLOW, what: 'the refusal' })
    t.match(await alertText(page), /token was refused: it is not a valid token for this service, or it has expired/)
    await signIn(page, token(app, 'u-1'))
    await waitFor(async () => /lacks the notifications:admin role/.test((await alertText(page)) ?? ''), { ...SLOW, what: 'the missing role' })
    t.equal(await page.locator('bookit-admin [role=tab]').count(), 0, 'no tabs')
  })

  t.test('an admin token signs in; a failed delivery is listed and retried; the token stays in memory only', async (t) => {
    const page = await openAdmin(t)
    await signIn(page, token(app, 'ops', ['notifications:admin']))
    await page.locator('bookit-admin [role=tab]').first().waitFor(SLOW)
    t.same(await page.locator('bookit-admin [role=tab]').allTextContents(), ['Deliveries', 'Webhooks', 'Statistics', 'Templates', 'Announcements'])
    const row = page.locator(`bookit-admin tr[data-id="${email.id}"]`)
    await row.waitFor(SLOW)
    t.equal(await row.getAttribute('data-status'), 'failed')
    t.match(await row.textContent(), '550 mailbox unavailable', 'the reason is shown')
    t.match(await row.textContent(), ada.email)

    await page.locator('bookit-admin select[name=status]').selectOption('failed')
    await waitFor(async () => (await page.locator('bookit-admin tbody tr[data-id]').count()) === 1, { ...SLOW, what: 'the failed filter' })
    await page.locator(`bookit-admin tr[data-id="${email.id}"] button.retry`).click()
    await waitFor(async () => (await page.locator(`bookit-admin tr[data-id="${email.id}"]`).getAttribute('data-status')) === 'pending', { ...SLOW, what: 'the row to show pending' })
    const stored = await app.db.selectFrom('deliveries').select(['status', 'attempts']).where('id', '=', email.id).executeTakeFirstOrThrow()
    t.equal(stored.status, 'pending', 'queued again in the database')
    t.match(await page.locator('bookit-admin .status').first().textContent(), 'queued again')

    const storage = (await page.evaluate('({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })')) as { local: number; session: number; cookie: string }
    t.same(storage, { local: 0, session: 0, cookie: '' }, 'nothing stored in the browser')
    t.same((await page.context().cookies()).length, 0)

    await page.locator('bookit-admin .sign-out').click()
    await page.locator('bookit-admin textarea[name=token]').waitFor(SLOW)
    t.match(await alertText(page), 'the token is forgotten')
  })

  t.test('webhooks: register one (its secret shown once), see it listed, delete it', async (t) => {
    const page = await openAdmin(t)
    await signIn(page, token(app, 'ops', ['notifications:admin']))
    await page.locator('bookit-admin [role=tab][data-tab=webhooks]').click()
    await page.locator('bookit-admin-webhooks input[name=url]').fill('http://127.0.0.1:9/hooks/admin-test')
    await page.locator('bookit-admin-webhooks input[name=description]').fill('from the admin page')
    await page.locator('bookit-admin-webhooks form.create button[type=submit]').click()
    await page.locator('bookit-admin-webhooks .secret code').waitFor(SLOW)
    t.match(await page.locator('bookit-admin-webhooks .secret code').textContent(), /^whsec_/)
    const row = page.locator('bookit-admin-webhooks tr[data-id]')
    await waitFor(async () => (await row.count()) === 1, { ...SLOW, what: 'the endpoint listed' })
    t.match(await row.textContent(), 'from the admin page')
    const remove = row.locator('button.danger')
    await remove.click()
    t.equal(await remove.textContent(), 'Really delete?', 'asks first')
    await remove.click()
    await waitFor(async () => (await page.locator('bookit-admin-webhooks tr[data-id]').count()) === 0, { ...SLOW, what: 'the endpoint to go' })
    t.equal((await app.db.selectFrom('webhook_endpoints').select('id').execute()).length, 0, 'deleted in the database')
  })

  t.test('the statistics tab draws created, sent, failed and read per bucket as SVG', async (t) => {
    const page = await openAdmin(t)
    await signIn(page, token(app, 'ops', ['notifications:admin']))
    await page.locator('bookit-admin [role=tab][data-tab=statistics]').click()
    const chart = page.locator('bookit-admin-statistics svg.chart')
    await chart.waitFor(SLOW)
    t.same(await chart.locator('polyline').evaluateAll((lines) => lines.map((l) => l.getAttribute('data-series'))), ['created', 'sent', 'failed', 'read'])
    const created = (await chart.locator('polyline[data-series=created]').getAttribute('data-values'))!.split(',').map(Number)
    t.equal(created.length, 30, 'one point per day of the last 30')
    // The booking made one in-app notification and one email delivery.
    t.equal(created.reduce((a, b) => a + b, 0), 2, 'the created ones are counted')
    const failed = (await chart.locator('polyline[data-series=failed]').getAttribute('data-values'))!.split(',').map(Number)
    t.equal(failed.reduce((a, b) => a + b, 0), 1, 'the failure is counted')
    t.match(await chart.getAttribute('aria-label'), 'created 2')
    const box = await chart.boundingBox()
    t.ok(box && box.width > 100 && box.height > 50, 'it has a size on the page (the stylesheet applied)')
    t.match(await page.locator('bookit-admin-statistics table.totals').textContent(), 'booking_confirmed')
    await page.locator('bookit-admin-statistics select[name=range]').selectOption('0')
    await waitFor(async () => (await chart.locator('polyline').count()) === 0 || (await page.locator('bookit-admin-statistics polyline[data-series=created]').getAttribute('data-values'))?.split(',').length === 24, { ...SLOW, what: 'the hourly chart' })
    t.equal((await page.locator('bookit-admin-statistics polyline[data-series=created]').getAttribute('data-values'))!.split(',').length, 24, 'by hour: 24 points')
  })

  t.test('the page ran without errors or CSP violations', async (t) => {
    t.same(problems.filter((p) => !/401|403/.test(p)), [], 'no page errors, no blocked resources (the refused sign-ins log their 401/403 only)')
  })
}
