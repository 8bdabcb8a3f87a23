import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import t from 'tap'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { CHROMIUM_ARGS, buildClientForTest } from './helpers/inbox-page.js'

/**
 * The Announcements tab of /admin in a real browser against the real service and database:
 * schedule one for later to a list of users, see it scheduled, cancel it, see it cancelled
 * (and the API agrees); a refused one shows the server's reason beside the form; one sent
 * now reaches every listed user in-app.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SLOW = { timeout: 30_000 }

if (!existsSync(executablePath)) {
  if (process.env.REQUIRE_BROWSER) t.fail(`no browser at ${executablePath}: install Debian's chromium package or set CHROMIUM_PATH`)
  else t.test('announcements tab in a browser', { skip: `no browser at ${executablePath}` }, async () => {})
} else {
  const clientDir = await buildClientForTest()
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), ANNOUNCEMENT_POLL_MS: '50' }, { clientDir })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())
  const admin = auth(app, 'ops-api', ['notifications:admin'])
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10)

  t.test('schedule for later, cancel; a refusal beside the form; send now reaches every listed user', async (t) => {
    // Tokyo has no daylight saving time, so a local 10:30 there is 01:30 UTC on any day.
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' })
    t.teardown(() => context.close())
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(err.message))
    await page.goto(`${base}/admin`)
    await page.fill('textarea[name=token]', app.jwt.sign({ sub: 'op-browser', roles: ['notifications:admin'] } as never, { expiresIn: '1h' }))
    await page.click('button[type=submit]')
    await page.click('[role=tab][data-tab=announcements]')
    const tab = page.locator('bookit-admin-announcements')
    await tab.locator('td.note').waitFor(SLOW)
    t.match(await tab.locator('td.note').textContent(), 'No announcements yet')

    const compose = async (title: string, userIds: string, sendAt: string | undefined) => {
      await tab.locator('input[name=title]').fill(title)
      await tab.locator('textarea[name=body]').fill(`${title}: the text`)
      await tab.locator('select[name=audience]').selectOption('userIds')
      await tab.locator('textarea[name=userIds]').fill(userIds)
      await tab.locator('input[name=sendAt]').fill(sendAt ?? '')
      await tab.locator('form.create button[type=submit]').click()
    }

    // Later: a local time, sent to the API as the instant it means.
    const later = day(2)
    await compose('Hall closed on Friday', 'u-b1, u-b2\nu-b3', `${later}T10:30`)
    const scheduled = tab.locator('tr[data-status=scheduled]')
    await scheduled.waitFor(SLOW)
    const id = await scheduled.getAttribute('data-id')
    t.match(await scheduled.textContent(), /Hall closed on Friday.*3 users.*scheduled/, 'listed as scheduled, with its audience')
    const stored = (await app.inject({ url: `/v1/admin/announcements/${id}`, headers: admin })).json()
    t.match(stored, { status: 'scheduled', sendAt: `${later}T01:30:00.000Z`, audience: { userIds: ['u-b1', 'u-b2', 'u-b3'] }, channels: ['inApp'], createdBy: 'op-browser' }, 'the API has the instant and the ids')
    t.equal(await tab.locator('input[name=title]').inputValue(), '', 'the form is cleared for the next one')

    await scheduled.locator('button.cancel').click()
    const cancelled = tab.locator(`tr[data-id="${id}"][data-status=cancelled]`)
    await cancelled.waitFor(SLOW)
    t.equal(await cancelled.locator('button.cancel').count(), 0, 'a cancelled one offers no Cancel')
    t.match((await app.inject({ url: `/v1/admin/announcements/${id}`, headers: admin })).json(), { status: 'cancelled', recipients: 0 }, 'the API agrees')

    // A send time in the past: the server's 400 message, beside the form; nothing is created.
    await compose('Too late', 'u-b1', `${day(-2)}T10:30`)
    const refusal = tab.locator('form.create .status.error')
    await refusal.waitFor(SLOW)
    t.match(await refusal.textContent(), 'body/sendAt is in the past')
    t.equal((await app.inject({ url: '/v1/admin/announcements', headers: admin })).json().items.length, 1, 'nothing new was created')
    t.equal(await tab.locator('input[name=title]').inputValue(), 'Too late', 'the form keeps what was typed')

    // Now: every listed user gets it in-app; Refresh shows the count reach them all.
    await compose('Doors open early', 'u-c1 u-c2 u-c3 u-c4', undefined)
    t.equal(await refusal.count(), 0, 'the refusal is cleared by the next attempt')
    const sent = tab.locator('tr[data-status=sent]')
    await waitFor(async () => {
      await tab.locator('button.refresh').click()
      return (await sent.count()) === 1 && (await sent.locator('td.count.inApp').textContent()) === '4'
    }, { ...SLOW, interval: 200, what: 'the in-app count to reach 4 after Refresh' })
    t.match(await sent.textContent(), /Doors open early.*4 users.*sent/)
    t.equal(await sent.locator('td.count.email').textContent(), '–', 'a channel not chosen shows a dash')
    const sentId = await sent.getAttribute('data-id')
    t.match((await app.inject({ url: `/v1/admin/announcements/${sentId}`, headers: admin })).json(), { status: 'sent', recipients: 4, counts: { inApp: 4, email: 0, push: 0 } })
    const inbox = (await app.inject({ url: '/v1/notifications?category=announcement', headers: auth(app, 'u-c3') })).json()
    t.match(inbox.items, [{ title: 'Doors open early' }], 'a listed user has it in the inbox')
    t.equal(await sent.locator('button.cancel').count(), 0, 'a sent one offers no Cancel')
    t.same(problems, [], 'no script errors')
  })
}
