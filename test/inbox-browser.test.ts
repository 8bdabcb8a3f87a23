import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type BrowserContext, type Page, chromium } from 'playwright-core'
import t from 'tap'
import { countUnread } from '../src/notifications/notification-store.js'
import { auth, brokerNames, build, createTestDatabase, publishEvents, waitFor } from './helpers/app.js'
import { type Person, bookingCreated } from './helpers/events.js'
import { CHROMIUM_ARGS, HOST_STYLES, PANEL_OPEN, badge, buildClientForTest, focused, itemTitles, openBell, openHostPage } from './helpers/inbox-page.js'

/**
 * The drop-in inbox in a real browser (Debian's chromium through playwright-core), against
 * the real service, database and broker: live updates, tabs sharing one stream, a cut
 * stream, an expiring token, the keyboard, axe-core, style isolation and screenshots.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const artifacts = join(import.meta.dirname, '..', 'test-artifacts', 'inbox')
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
// Generous: the CI box is shared and loaded.
const SLOW = { timeout: 60_000 }

if (!existsSync(executablePath)) {
  if (process.env.REQUIRE_BROWSER) t.fail(`no browser at ${executablePath}: install Debian's chromium package or set CHROMIUM_PATH`)
  else t.test('inbox in a browser', { skip: `no browser at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)` }, async () => {})
} else {
  const broker = brokerNames(t)
  const clientDir = await buildClientForTest()
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', ...broker }, { sendEmails: false, clientDir })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  await waitFor(() => app.notificationListener.connected, { what: 'the LISTEN connection' })
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())
  await mkdir(artifacts, { recursive: true })

  const person = (id: string): Person => ({ id, email: `${id}@example.com`, name: id, locale: 'en' })
  /** Over HTTP, the same ingest path as the broker's, for setting a scene quickly. */
  const seed = async (userId: string, titles: string[]) => {
    for (const title of titles) {
      const response = await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'booking-service', ['events:publish']), payload: bookingCreated({ user: person(userId), admins: [], booking: { title } }) })
      if (response.statusCode !== 202) throw new Error(`seed: ${response.statusCode} ${response.body}`)
    }
  }
  const tokenFor = (userId: string, seconds = 3600) => () => app.jwt.sign({ sub: userId } as never, { expiresIn: seconds })
  /**
   * What the bell should show, as the server counts it: unseen where the API has seen
   * (opening the bell marks all seen), unread where it does not yet.
   */
  const serverBadge = async (userId: string) => {
    const page = (await app.inject({ url: '/v1/notifications?limit=1', headers: auth(app, userId) })).json() as { unreadCount: number; unseenCount?: number }
    return String(page.unseenCount ?? page.unreadCount)
  }
  const waitForServerBadge = (page: Page, userId: string, what: string) =>
    waitFor(async () => (await badge(page)) === (await serverBadge(userId)), { ...SLOW, what: `${what} (badge as the server counts)` })
  const waitForBadge = (page: Page, value: string, what: string) => waitFor(async () => (await badge(page)) === value, { ...SLOW, what: `${what} (badge ${value})` })
  const newContext = async (t: Tap, options: Parameters<typeof browser.newContext>[0] = {}): Promise<BrowserContext> => {
    const context = await browser.newContext(options)
    t.teardown(() => context.close())
    return context
  }
  type Tap = { teardown(fn: () => unknown): void }

  t.test('booking.created over AMQP: the badge changes and the dropdown shows it', async (t) => {
    const context = await newContext(t)
    const page = await openHostPage(context, base, tokenFor('u-amqp'))
    await waitForBadge(page, '0', 'the bell to render with no notifications')
    await waitFor(() => app.liveHub.size >= 1, { ...SLOW, what: 'the stream to open' })
    await publishEvents(broker.AMQP_EXCHANGE, [bookingCreated({ user: person('u-amqp'), admins: [], booking: { title: 'Over the broker' } })])
    await waitForBadge(page, '1', 'the published booking to reach the badge')
    t.equal(await page.locator('bookit-inbox .bell').getAttribute('aria-label'), 'Notifications, 1 new')
    await openBell(page)
    await waitFor(async () => (await itemTitles(page)).includes('Booking confirmed: Over the broker'), { ...SLOW, what: 'the dropdown to list it' })
    t.same(await itemTitles(page), ['Booking confirmed: Over the broker'])
    await waitForServerBadge(page, 'u-amqp', 'the badge once the bell was opened (all seen)')
    t.equal(await badge(page), '0', 'opening the bell marked it seen')
    t.match(await page.locator('bookit-inbox [aria-live]').textContent(), 'New notification: Booking confirmed: Over the broker', 'aria-live announced it')
  })

  t.test('two tabs share one stream: a read in one moves the other badge, a delete removes it there', async (t) => {
    await waitFor(() => app.liveHub.size === 0, { ...SLOW, what: 'earlier pages to close their streams' })
    await seed('u-tabs', ['First', 'Second'])
    const context = await newContext(t)
    const a = await openHostPage(context, base, tokenFor('u-tabs'))
    const b = await openHostPage(context, base, tokenFor('u-tabs'))
    await waitForBadge(a, '2', 'tab A')
    await waitForBadge(b, '2', 'tab B')
    t.equal(app.liveHub.size, 1, 'one stream for both tabs')

    await openBell(a)
    await openBell(b)
    await waitFor(async () => (await itemTitles(b)).length === 2, { ...SLOW, what: "tab B's dropdown" })
    await a.locator('bookit-inbox .item', { hasText: 'Booking confirmed: Second' }).locator('[data-action=read]').click()
    // The badge counts unseen ones, already 0 once the bells were opened: wait for the read
    // itself to be recorded before comparing, or the comparison races the click's request.
    await waitFor(async () => (await countUnread(app.db, 'u-tabs')) === 1, { ...SLOW, what: 'the read in tab A recorded' })
    await waitForServerBadge(b, 'u-tabs', "tab B's badge to follow the read in tab A")
    await waitFor(async () => (await b.locator('bookit-inbox .item.unread').count()) === 1, { ...SLOW, what: 'tab B to show it read' })

    await a.locator('bookit-inbox .item', { hasText: 'Booking confirmed: First' }).locator('[data-action=delete]').click()
    await waitFor(async () => (await itemTitles(b)).join() === 'Booking confirmed: Second', { ...SLOW, what: 'the deleted one to leave tab B' })
    await waitForServerBadge(b, 'u-tabs', "tab B's badge after the delete")
    t.same(await itemTitles(b), ['Booking confirmed: Second'])

    // Tab A held the stream; when it closes, tab B takes it over.
    await a.close()
    await seed('u-tabs', ['After A closed'])
    await waitFor(async () => (await itemTitles(b)).length === 2, { ...SLOW, what: 'tab B, now holding the stream itself, to list the new one' })
    await waitForServerBadge(b, 'u-tabs', 'tab B, now holding the stream itself')
    await waitFor(async () => (await itemTitles(b)).includes('Booking confirmed: After A closed'), { ...SLOW, what: 'tab B to list it' })
    t.equal(app.liveHub.size, 1, 'still one stream')
  })

  t.test('tabs signed in as different users do not share a stream', async (t) => {
    await waitFor(() => app.liveHub.size === 0, { ...SLOW, what: 'earlier pages to close their streams' })
    await seed('u-left', ['For the left user'])
    const context = await newContext(t)
    const left = await openHostPage(context, base, tokenFor('u-left'))
    const right = await openHostPage(context, base, tokenFor('u-right'))
    await waitForBadge(left, '1', 'the left user')
    await waitForBadge(right, '0', 'the right user')
    await waitFor(() => app.liveHub.size === 2, { ...SLOW, what: 'a stream for each user' })
    await seed('u-right', ['For the right user'])
    await waitForBadge(right, '1', 'the right user, on their own stream')
    await openBell(right)
    await waitFor(async () => (await itemTitles(right)).length === 1, { ...SLOW, what: "the right user's dropdown" })
    t.same(await itemTitles(right), ['Booking confirmed: For the right user'], "never the other user's")
    t.equal(await badge(left), '1')
  })

  t.test('a stream cut while 5 are published: all 5 appear once, and the badge is the database count', async (t) => {
    await waitFor(() => app.liveHub.size === 0, { ...SLOW, what: 'earlier pages to close their streams' })
    await seed('u-cut', ['Before the cut'])
    const context = await newContext(t)
    const page = await openHostPage(context, base, tokenFor('u-cut'))
    await waitForBadge(page, '1', 'the first notification')
    await waitFor(() => app.liveHub.size === 1, { ...SLOW, what: 'the stream' })

    // Reconnects fail until the route is lifted: the stream stays down while events arrive.
    await page.route('**/v1/notifications/stream*', (route) => route.abort())
    app.liveHub.closeAll()
    await waitFor(() => app.liveHub.size === 0, { ...SLOW, what: 'the server to close the stream' })
    const titles = ['Cut 1', 'Cut 2', 'Cut 3', 'Cut 4', 'Cut 5']
    await publishEvents(broker.AMQP_EXCHANGE, titles.map((title) => bookingCreated({ user: person('u-cut'), admins: [], booking: { title } })))
    await waitFor(async () => (await countUnread(app.db, 'u-cut')) === 6, { ...SLOW, what: 'the 5 to be stored' })
    t.equal(app.liveHub.size, 0, 'the stream was down while they arrived')
    t.equal(await badge(page), '1', 'the badge did not move while the stream was down')

    await page.unroute('**/v1/notifications/stream*')
    await waitForBadge(page, '6', 'the badge after the reconnect')
    t.equal(await badge(page), String(await countUnread(app.db, 'u-cut')), 'the badge equals the database count')
    await openBell(page)
    await waitFor(async () => (await itemTitles(page)).length === 6, { ...SLOW, what: 'all six listed' })
    const listed = await itemTitles(page)
    for (const title of titles) t.equal(listed.filter((l) => l === `Booking confirmed: ${title}`).length, 1, `${title} is listed once`)
    await waitForServerBadge(page, 'u-cut', 'the badge once the dropdown is open')
  })

  t.test('a token that expires mid-session: the callback is asked again and nothing is missed', async (t) => {
    await waitFor(() => app.liveHub.size === 0, { ...SLOW, what: 'earlier pages to close their streams' })
    // Like a real app: hands out the token it has until told that it expired.
    const calls: { expired: boolean }[] = []
    let current = { token: app.jwt.sign({ sub: 'u-expiry' } as never, { expiresIn: 3 }), exp: Date.now() + 3000 }
    const getToken = (hint?: { expired?: boolean }) => {
      calls.push({ expired: Boolean(hint?.expired) })
      if (hint?.expired) current = { token: app.jwt.sign({ sub: 'u-expiry' } as never, { expiresIn: 3600 }), exp: Date.now() + 3_600_000 }
      return current.token
    }
    const context = await newContext(t)
    const page = await openHostPage(context, base, getToken)
    await waitForBadge(page, '0', 'the bell')
    await waitFor(() => app.liveHub.size === 1, { ...SLOW, what: 'the stream' })
    const firstExp = current.exp
    await waitFor(() => Date.now() > firstExp + 1000, { what: 'the first token to expire' })

    await publishEvents(broker.AMQP_EXCHANGE, [bookingCreated({ user: person('u-expiry'), admins: [], booking: { title: 'After expiry' } })])
    await waitForBadge(page, '1', 'the notification published after the token expired')
    await openBell(page)
    await page.locator('bookit-inbox .item', { hasText: 'After expiry' }).locator('[data-action=read]').click()
    await waitFor(async () => (await countUnread(app.db, 'u-expiry')) === 0, { ...SLOW, what: 'the read to reach the server with a fresh token' })
    await waitForBadge(page, '0', 'the badge after the read')
    t.ok(calls.some((c) => c.expired), `the callback was asked for a fresh token (${calls.length} calls)`)
  })

  t.test('keyboard only: bell, dropdown, item, mark read; Escape returns to the bell', async (t) => {
    await seed('u-keys', ['Older', 'Newer'])
    const context = await newContext(t)
    const page = await openHostPage(context, base, tokenFor('u-keys'))
    await waitForBadge(page, '2', 'the bell')
    await page.keyboard.press('Tab')
    t.equal((await focused(page)).className, 'host-button', "the host's own button comes first")
    await page.keyboard.press('Tab')
    t.match(await focused(page), { host: 'bookit-inbox', className: 'bell' }, 'then the bell')
    await page.keyboard.press('Enter')
    await waitFor(async () => (await focused(page)).className === 'open', { ...SLOW, what: 'focus on the first notification' })
    t.ok(await page.evaluate(PANEL_OPEN), 'Enter opened the dropdown')
    const newest = (await focused(page)).id
    await page.keyboard.press('ArrowDown')
    const older = await focused(page)
    t.equal(older.className, 'open')
    t.not(older.id, newest, 'ArrowDown moved to the next notification')
    await page.keyboard.press('Tab')
    t.match(await focused(page), { action: 'read', id: older.id }, "Tab reaches that notification's mark-read button")
    await page.keyboard.press('Enter')
    await waitFor(async () => (await countUnread(app.db, 'u-keys')) === 1, { ...SLOW, what: 'the read' })
    const row = await app.inject({ url: `/v1/notifications/${older.id}`, headers: auth(app, 'u-keys') })
    t.not(row.json().readAt, null, 'the one chosen with the keyboard is read')
    await waitForServerBadge(page, 'u-keys', 'the badge')
    await page.keyboard.press('Escape')
    t.notOk(await page.evaluate(PANEL_OPEN), 'Escape closed the dropdown')
    t.match(await focused(page), { host: 'bookit-inbox', className: 'bell' }, 'and focus is back on the bell')
  })

  t.test('the notification page: infinite scroll on the cursor, a status filter, bulk mark read', async (t) => {
    await seed('u-page', Array.from({ length: 25 }, (_, i) => `Page item ${i + 1}`))
    const context = await newContext(t, { viewport: { width: 1280, height: 700 } })
    const page = await openHostPage(context, base, tokenFor('u-page'), { withPage: true })
    const rows = page.locator('bookit-notification-page .item')
    await waitFor(async () => (await rows.count()) === 20, { ...SLOW, what: 'the first page of 20' })
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)')
    await waitFor(async () => (await rows.count()) === 25, { ...SLOW, interval: 200, what: 'scrolling to load the rest' })
    const titles = await rows.locator('.title').allTextContents()
    t.equal(new Set(titles).size, 25, 'no notification twice across the pages', { titles })

    await rows.nth(0).locator('[data-action=read]').click()
    await waitFor(async () => (await countUnread(app.db, 'u-page')) === 24, { ...SLOW, what: 'one read' })
    await page.locator('bookit-notification-page select[data-filter=status]').selectOption('unread')
    await waitFor(async () => (await rows.count()) === 20 && !(await rows.locator('.title').allTextContents()).includes(titles[0]!), { ...SLOW, what: 'the unread filter' })

    await page.locator('bookit-notification-page [data-action=select-all]').check()
    t.match(await page.locator('bookit-notification-page .bulk [role=status]').textContent(), '20 selected')
    await page.locator('bookit-notification-page [data-action=bulk-read]').click()
    await waitFor(async () => (await countUnread(app.db, 'u-page')) === 4, { ...SLOW, what: 'the 20 selected to be read' })
    await waitForServerBadge(page, 'u-page', 'the bell, from the server count')
    await waitFor(async () => (await rows.count()) === 4, { ...SLOW, what: 'the unread view to refetch' })
  })

  t.test('axe-core finds no violations in the open dropdown and the notification page', async (t) => {
    await seed('u-axe', ['Accessible', 'Also accessible'])
    const context = await newContext(t)
    const page = await openHostPage(context, base, tokenFor('u-axe'), { withPage: true })
    await waitForBadge(page, '2', 'the bell')
    await openBell(page)
    await waitFor(async () => (await itemTitles(page)).length === 2, { ...SLOW, what: 'the dropdown' })
    await waitFor(() => page.locator('bookit-notification-page .item').count().then((n) => n === 2), { ...SLOW, what: 'the page' })
    await page.addScriptTag({ path: axePath })
    const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as { violations: { id: string; help: string; nodes: unknown[] }[] }
    t.same(result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), [], '0 violations')
  })

  t.test("the host page's styles are unchanged by the component, and do not reach into it", async (t) => {
    await seed('u-styles', ['Styled'])
    const context = await newContext(t)
    const page = await openHostPage(context, base, tokenFor('u-styles'), { withScript: false })
    const snapshot = `(() => { const pick = (s) => { const c = getComputedStyle(s); return [c.color, c.font, c.padding, c.margin, c.border, c.letterSpacing, c.background, c.display].join(' | ') }; return Object.fromEntries(['body', '#host-button', 'h2', 'li.title', 'header', 'main'].map((q) => [q, pick(document.querySelector(q))])) })()`
    const before = await page.evaluate(snapshot)
    await page.addScriptTag({ url: '/client/bookit-inbox.js', type: 'module' })
    await waitForBadge(page, '1', 'the component to render')
    await openBell(page)
    await waitFor(async () => (await itemTitles(page)).length === 1, { ...SLOW, what: 'the dropdown' })
    t.same(await page.evaluate(snapshot), before, 'every host element computes the same styles')
    t.ok(HOST_STYLES.includes('rgb(200,0,0)'))
    const bellColor = await page.evaluate(`getComputedStyle(document.querySelector('bookit-inbox').shadowRoot.querySelector('.bell')).color`)
    t.not(bellColor, 'rgb(200, 0, 0)', "the host's button colour does not reach the bell")
  })

  t.test('screenshots: 375 and 1280 px, light and dark, English and German', async (t) => {
    await seed('u-shots', ['Quarterly review', 'Board meeting', 'Team offsite'])
    for (const lang of ['en', 'de']) {
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const width of [375, 1280]) {
          const context = await newContext(t, { viewport: { width, height: 800 }, colorScheme })
          const page = await openHostPage(context, base, tokenFor('u-shots'), { lang, withPage: true })
          await waitForServerBadge(page, 'u-shots', 'the bell')
          await openBell(page)
          await waitFor(async () => (await itemTitles(page)).length === 3, { ...SLOW, what: 'the dropdown' })
          const heading = await page.locator('bookit-inbox h2').textContent()
          t.equal(heading, lang === 'de' ? 'Benachrichtigungen' : 'Notifications', `${lang}: the dropdown speaks the page's language`)
          await waitForServerBadge(page, 'u-shots', 'the bell once opened')
          // Badge and label read together: a count event between two reads cannot split them.
          const [shown, label] = (await page.evaluate(`(() => { const b = document.querySelector('bookit-inbox').shadowRoot.querySelector('.bell'); return [Number(b.querySelector('.badge')?.textContent ?? 0), b.getAttribute('aria-label')] })()`)) as [number, string]
          const expected = lang === 'de' ? (shown ? `Benachrichtigungen, ${shown} neu` : 'Benachrichtigungen, keine neuen') : shown ? `Notifications, ${shown} new` : 'Notifications, none new'
          t.equal(label, expected, `${lang}: the bell's aria label too`)
          t.match(await page.locator('bookit-inbox time').first().textContent(), lang === 'de' ? /^(vor \d+ Sekunden?|jetzt)$/ : /^(\d+ seconds? ago|now)$/, `${lang}: relative times in the language`)
          const overflow = (await page.evaluate(`(() => { const r = document.querySelector('bookit-inbox').shadowRoot.querySelector('.panel').getBoundingClientRect(); return r.left < 0 || r.right > innerWidth })()`)) as boolean
          t.notOk(overflow, `${width} px: the dropdown fits the viewport`)
          const name = `inbox.${lang}.${colorScheme}.${width}.png`
          await page.screenshot({ path: join(artifacts, name), fullPage: true })
          t.ok(existsSync(join(artifacts, name)), `screenshot: test-artifacts/inbox/${name}`)
          await context.close()
        }
      }
    }
  })

}
