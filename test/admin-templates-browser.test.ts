import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import t from 'tap'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { bookingCreated, konrad } from './helpers/events.js'
import { CHROMIUM_ARGS, buildClientForTest } from './helpers/inbox-page.js'
import { SmtpSink } from './helpers/smtp-sink.js'

/**
 * The Templates tab of /admin in a real browser against the real service, database and
 * SMTP server: edit the German booking confirmation, preview it (at 375 px too), publish
 * it, the next German confirmation uses it, restore the old version, the next one uses that.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SLOW = { timeout: 30_000 }

if (!existsSync(executablePath)) {
  if (process.env.REQUIRE_BROWSER) t.fail(`no browser at ${executablePath}: install Debian's chromium package or set CHROMIUM_PATH`)
  else t.test('templates tab in a browser', { skip: `no browser at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)` }, async () => {})
} else {
  const smtp = new SmtpSink()
  await smtp.start()
  t.teardown(() => smtp.stop())
  const clientDir = await buildClientForTest()
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url }, { clientDir })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())

  let bookings = 0
  const germanConfirmation = async () => {
    const person = { ...konrad, id: `u-de-${++bookings}`, email: `de-${bookings}@example.com` }
    const response = await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'booking-service', ['events:publish']), payload: bookingCreated({ user: person, admins: [] }) })
    if (response.statusCode !== 202) throw new Error(`${response.statusCode} ${response.body}`)
    const email = await waitFor(() => smtp.to(person.email)[0], { ...SLOW, what: `the confirmation to ${person.email}` })
    const row = await waitFor(() => app.db.selectFrom('deliveries').select('template_version').where('destination', '=', person.email).where('status', '=', 'sent').executeTakeFirst(), { ...SLOW, what: 'the delivery marked sent' })
    return { email, version: row.template_version }
  }

  t.test('edit the German booking confirmation, preview, publish, the next email uses it; restore, the next uses the old', async (t) => {
    const context = await browser.newContext()
    t.teardown(() => context.close())
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(err.message))
    await page.goto(`${base}/admin`)
    await page.fill('textarea[name=token]', app.jwt.sign({ sub: 'op-browser', roles: ['notifications:admin'] } as never, { expiresIn: '1h' }))
    await page.click('button[type=submit]')
    await page.click('[role=tab][data-tab=templates]')
    const row = page.locator('tr[data-template="booking-confirmed/de"]')
    await row.waitFor(SLOW)
    t.match(await row.textContent(), 'file default', 'listed on its file default')
    await row.locator('button.edit').click()

    const html = page.locator('textarea[name=html]')
    await html.waitFor(SLOW)
    t.match(await html.inputValue(), 'Ihre Buchung ist bestätigt', 'the editor starts from the file')
    const frame = page.frameLocator('iframe.preview-frame')
    await waitFor(async () => ((await frame.locator('h1').textContent({ timeout: 1000 }).catch(() => '')) ?? '').includes('Ihre Buchung ist bestätigt'), { ...SLOW, what: 'the first preview' })

    // Live preview: typing re-renders beside the editor.
    await html.fill((await html.inputValue()).replace('Ihre Buchung ist bestätigt', 'Ihr Saal ist fest reserviert'))
    await waitFor(async () => ((await frame.locator('h1').textContent({ timeout: 1000 }).catch(() => '')) ?? '').includes('Ihr Saal ist fest reserviert'), { ...SLOW, what: 'the preview to follow the edit' })
    t.equal(await page.locator('iframe.preview-frame').getAttribute('sandbox'), '', 'the preview frame is sandboxed: no scripts, no same origin')
    t.match(await page.locator('.preview-headers').textContent(), /List-Unsubscribe.*\/v1\/unsubscribe\?token=/, 'the headers it would carry')

    await page.check('input[name=narrow]')
    const width = await page.locator('iframe.preview-frame').evaluate((el) => el.getBoundingClientRect().width)
    t.equal(Math.round(width), 375, 'the 375 px toggle')

    // A refused edit says why, beside the preview.
    const subject = page.locator('input[name=subject]')
    const goodSubject = await subject.inputValue()
    await subject.fill('Gebucht am <%= it.when %>')
    await waitFor(async () => !(await page.locator('.preview-problem').isHidden()), { ...SLOW, what: 'the refusal' })
    t.match(await page.locator('.preview-problem').textContent(), 'no longer uses it.booking.title')
    await subject.fill(goodSubject)
    await waitFor(() => page.locator('.preview-problem').isHidden(), { ...SLOW, what: 'the refusal to clear' })

    await page.click('button.publish')
    await waitFor(async () => ((await page.locator('bookit-admin-templates > .status').textContent()) ?? '').includes('Published v1'), { ...SLOW, what: 'the publish' })
    const published = await germanConfirmation()
    t.match(published.email.parsed.html, 'Ihr Saal ist fest reserviert', 'the next German confirmation uses the new wording')
    t.equal(published.version, 1, 'and records version 1')

    const v0 = page.locator('tr[data-version="0"] button.restore')
    await v0.waitFor(SLOW)
    await v0.click()
    await waitFor(async () => ((await page.locator('bookit-admin-templates > .status').textContent()) ?? '').includes('Restored v0 as v2'), { ...SLOW, what: 'the restore' })
    const restored = await germanConfirmation()
    t.match(restored.email.parsed.html, 'Ihre Buchung ist bestätigt', 'the next one uses the old wording again')
    t.notMatch(restored.email.parsed.html, 'fest reserviert')
    t.equal(restored.version, null, 'rendered from the file default')
    t.same(problems, [], 'no script errors')
  })
}
