import { createHash } from 'node:crypto'
import t from 'tap'
import { build, createTestDatabase } from './helpers/app.js'
import { buildClientForTest } from './helpers/inbox-page.js'

/** /admin as served: the shell page, its script, and a policy that allows nothing else. */
const clientDir = await buildClientForTest()
const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false, clientDir })

t.test('/admin serves the shell with a strict content security policy', async (t) => {
  const page = await app.inject({ url: '/admin' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.equal(page.headers['cache-control'], 'no-store')
  t.match(page.body, '<script type="module" src="/client/bookit-admin.js"></script>')
  t.match(page.body, /<bookit-admin api-base="">/)
  t.notMatch(page.body, /eyJ/, 'no token in the page')
  const csp = String(page.headers['content-security-policy'])
  const directives = new Map(csp.split(/;\s*/).map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]))
  t.equal(directives.get('default-src'), "'none'")
  t.equal(directives.get('script-src'), "'self'", 'no inline script, no eval, no other origin')
  t.equal(directives.get('connect-src'), "'self'")
  t.equal(directives.get('frame-ancestors'), "'none'")
  t.notMatch(csp, 'unsafe', 'nothing unsafe')
  const style = /<style>([\s\S]*?)<\/style>/.exec(page.body)?.[1] ?? ''
  t.equal(directives.get('style-src'), `'sha256-${createHash('sha256').update(style).digest('base64')}'`, 'the one inline stylesheet, by its hash')
  t.equal((page.body.match(/<style>/g) ?? []).length, 1)
  t.notMatch(page.body.replace(/<script type="module" src="[^"]+"><\/script>/, ''), /<script/, 'the only script is the bundle')
  const script = await app.inject({ url: '/client/bookit-admin.js' })
  t.equal(script.statusCode, 200)
  t.match(script.body, 'bookit-admin')
})
