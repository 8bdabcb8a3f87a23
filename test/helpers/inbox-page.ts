import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { buildClient } from '../../client/scripts/build.js'

/** Builds the client into a folder of this test's own, so parallel test files never share one. */
export async function buildClientForTest(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'bookit-client-'))
  await buildClient({ outDir, writeTypes: false })
  return outDir
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** The host app's own styles: the component must leave them alone, and they must not reach into it. */
export const HOST_STYLES = `body{font:17px/1.3 Georgia,serif;color:rgb(10,20,30);background:rgb(250,250,245)}
button{color:rgb(200,0,0);padding:7px;border:3px solid rgb(0,128,0)}
li{margin:3px;color:rgb(0,0,200)} .title{font-weight:100;letter-spacing:2px} h2{font-size:40px} time{display:inline}`

export interface HostPageOptions {
  lang?: string
  /** Load the component now (default) or leave it for the test to add. */
  withScript?: boolean
  withPage?: boolean
}

export function hostHtml({ lang = 'en', withScript = true, withPage = false }: HostPageOptions = {}): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Host app</title>
<style>${HOST_STYLES}</style>${withScript ? '<script type="module" src="/client/bookit-inbox.js"></script>' : ''}</head>
<body><header style="display:flex;justify-content:space-between;align-items:center"><button id="host-button">Host button</button>
<bookit-inbox api-base="" token-callback="testToken" see-all-href="#all"></bookit-inbox></header>
<main><h2>Host heading</h2><ul><li class="title">Host item</li></ul>
${withPage ? '<bookit-notification-page api-base="" token-callback="testToken"></bookit-notification-page>' : ''}</main></body></html>`
}

/**
 * Opens a page of a host app on the service's own origin (the current API has no CORS yet),
 * whose token callback is `getToken` here in the test.
 */
export async function openHostPage(context: BrowserContext, base: string, getToken: (hint?: { expired?: boolean }) => string, options: HostPageOptions = {}): Promise<Page> {
  const page = await context.newPage()
  // The page's errors go to the test's output, where a failure can be understood.
  page.on('pageerror', (err) => process.stdout.write(`# page error: ${err.message}\n`))
  page.on('console', (m) => m.type() === 'error' && process.stdout.write(`# console: ${m.text()}\n`))
  await page.exposeFunction('testToken', (hint?: { expired?: boolean }) => getToken(hint))
  await page.route(`${base}/host`, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: hostHtml(options) }))
  await page.goto(`${base}/host`)
  return page
}

// Runs in the page; strings rather than functions, since the test loader rewrites a
// function's source with helpers the page does not have.
export const BADGE = `(() => { const root = document.querySelector('bookit-inbox')?.shadowRoot; if (!root?.querySelector('.bell')) return null; return root.querySelector('.badge')?.textContent ?? '0' })()`
export const ITEM_TITLES = `[...(document.querySelector('bookit-inbox')?.shadowRoot?.querySelectorAll('.item .title') ?? [])].map((e) => e.firstChild.textContent)`
export const PANEL_OPEN = `(() => { const p = document.querySelector('bookit-inbox')?.shadowRoot?.querySelector('.panel'); return Boolean(p && !p.hidden) })()`
export const FOCUSED = `(() => { const a = document.activeElement; const inner = a?.shadowRoot?.activeElement; return inner ? { host: a.localName, className: inner.className, action: inner.dataset.action ?? null, id: inner.closest('[data-id]')?.dataset.id ?? null } : { host: null, className: a?.id ?? a?.localName ?? null, action: null, id: null } })()`

export const badge = (page: Page) => page.evaluate(BADGE) as Promise<string | null>
export const itemTitles = (page: Page) => page.evaluate(ITEM_TITLES) as Promise<string[]>
export const focused = (page: Page) => page.evaluate(FOCUSED) as Promise<{ host: string | null; className: string | null; action: string | null; id: string | null }>

export async function openBell(page: Page): Promise<void> {
  if (!(await page.evaluate(PANEL_OPEN))) await page.locator('bookit-inbox .bell').click()
}
