import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import t from 'tap'
import { SAMPLE_LOCALES, loadEmailSamples } from '../src/email/email-samples.js'
import { build, createTestDatabase } from './helpers/app.js'

/**
 * Every template rendered by a real browser (Debian's chromium, driven by playwright-core)
 * at a phone's width and a desktop mail client's: nothing overflows sideways, body text is
 * at least 14 px, every link and button has an accessible name. Screenshots are kept in
 * test-artifacts/emails/ for a human to look at.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const artifacts = join(import.meta.dirname, '..', 'test-artifacts', 'emails')

interface Inspection {
  scrollWidth: number
  innerWidth: number
  overflowing: string[]
  small: string[]
  unnamed: string[]
  links: number
}

// Runs in the page. A string, not a function: the test loader would rewrite a function's
// source with helpers the page does not have.
const INSPECT = `(() => {
  const visible = (el) => {
    const style = getComputedStyle(el)
    const box = el.getBoundingClientRect()
    return style.display !== 'none' && style.visibility !== 'hidden' && Number(style.opacity) > 0 && box.width > 0 && box.height > 0
  }
  const all = Array.from(document.body.querySelectorAll('*')).filter(visible)
  const overflowing = all.filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5).map((el) => '<' + el.tagName.toLowerCase() + '> to ' + Math.round(el.getBoundingClientRect().right) + ' px')
  const withText = all.filter((el) => Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== ''))
  const small = withText.filter((el) => parseFloat(getComputedStyle(el).fontSize) < 14).map((el) => '"' + el.textContent.trim().slice(0, 30) + '" at ' + getComputedStyle(el).fontSize)
  const unnamed = Array.from(document.querySelectorAll('a, button, [role=button]')).filter((el) => !((el.textContent || '').trim() || (el.getAttribute('aria-label') || '').trim() || (el.getAttribute('title') || '').trim())).map((el) => el.outerHTML.slice(0, 80))
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, overflowing, small, unnamed, links: document.querySelectorAll('a').length }
})()`

if (!existsSync(executablePath)) {
  // CI installs chromium and sets REQUIRE_BROWSER=1, so there a missing browser fails the run.
  if (process.env.REQUIRE_BROWSER) t.fail(`no browser at ${executablePath}: install Debian's chromium package or set CHROMIUM_PATH`)
  else t.test('email templates in a browser', { skip: `no browser at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)` }, async () => {})
} else {
  const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), NODE_ENV: 'development' }, { sendEmails: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const browser = await chromium.launch({
    executablePath,
    // Headless on a machine with no display and no outside network.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  t.teardown(() => browser.close())
  await mkdir(artifacts, { recursive: true })

  for (const sample of loadEmailSamples()) {
    for (const locale of SAMPLE_LOCALES) {
      t.test(`${sample.name} (${locale})`, async (t) => {
        for (const width of [375, 800]) {
          const page = await browser.newPage({ viewport: { width, height: 900 } })
          const response = await page.goto(`${base}/dev/emails/${sample.name}/${locale}.html`)
          t.equal(response?.status(), 200)
          const report = (await page.evaluate(INSPECT)) as Inspection
          t.ok(report.scrollWidth <= report.innerWidth, `${width} px: no horizontal scrolling (content ${report.scrollWidth} px)`)
          t.same(report.overflowing, [], `${width} px: nothing reaches past the right edge`)
          t.same(report.small, [], `${width} px: no text below 14 px`)
          t.same(report.unnamed, [], `${width} px: every link and button has an accessible name`)
          t.ok(report.links >= 1, `${width} px: the email links somewhere (${report.links} links)`)
          const path = join(artifacts, `${sample.name}.${locale}.${width}.png`)
          await page.screenshot({ path, fullPage: true })
          t.ok(existsSync(path), `screenshot: test-artifacts/emails/${sample.name}.${locale}.${width}.png`)
          await page.close()
        }
      })
    }
  }
}
