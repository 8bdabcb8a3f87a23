import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createVerifier } from 'fast-jwt'
import t from 'tap'
import { ADMIN_GZIP_BUDGET_BYTES, GZIP_BUDGET_BYTES, generateApiTypes, generatedTypesFile } from '../client/scripts/build.js'
import { JWT_SECRET, build, createTestDatabase } from './helpers/app.js'
import { buildClientForTest } from './helpers/inbox-page.js'

/** The built inbox: its size, its types against openapi.yaml, how it is served, and /demo. */
const clientDir = await buildClientForTest()
const databaseUrl = await createTestDatabase(t)

t.test('the generated API types are what openapi.yaml says', async (t) => {
  t.equal(await readFile(generatedTypesFile, 'utf8'), await generateApiTypes(), 'run npm run build after changing openapi.yaml, and commit client/src/generated/api.d.ts')
})

t.test('the component and the client together stay within the gzip budget', async (t) => {
  const { gzip } = await import('node:zlib')
  const bundle = await readFile(join(clientDir, 'bookit-inbox.js'))
  const gzipped = await new Promise<Buffer>((resolve, reject) => gzip(bundle, { level: 9 }, (err, out) => (err ? reject(err) : resolve(out))))
  t.ok(gzipped.byteLength <= GZIP_BUDGET_BYTES, `${(gzipped.byteLength / 1024).toFixed(1)} kB gzip of ${GZIP_BUDGET_BYTES / 1024} kB`)
  t.match(bundle.toString(), 'bookit-notification-page', 'both elements are in the one file')
  t.notMatch(bundle.toString(), 'bookit-admin', 'the admin page is not in the inbox')
})

t.test('the admin page script stays within its own gzip budget', async (t) => {
  const { gzipSync } = await import('node:zlib')
  const bundle = await readFile(join(clientDir, 'bookit-admin.js'))
  const gzipped = gzipSync(bundle, { level: 9 }).byteLength
  t.ok(gzipped <= ADMIN_GZIP_BUDGET_BYTES, `${(gzipped / 1024).toFixed(1)} kB gzip of ${ADMIN_GZIP_BUDGET_BYTES / 1024} kB`)
  t.match(bundle.toString(), 'bookit-admin-${', 'the tabs are in it')
  t.match(bundle.toString(), '"/v1/admin/deliveries"')
})

t.test('importing it where there is no DOM (server rendering) touches nothing and defines nothing', async (t) => {
  t.equal(typeof (globalThis as { customElements?: unknown }).customElements, 'undefined', 'no DOM here')
  t.equal(typeof (globalThis as { window?: unknown }).window, 'undefined')
  const built = (await import(join(clientDir, 'bookit-inbox.js'))) as { defineBookitElements?: () => void }
  t.type(built.defineBookitElements, 'function', 'the bundle imports and exports its registration')
  t.doesNotThrow(() => built.defineBookitElements!(), 'registering is a no-op without a DOM')
  // By URL, so the server's type check does not take in browser code.
  const source = (await import(new URL('../client/src/index.ts', import.meta.url).href)) as { BookitInbox: unknown }
  t.type(source.BookitInbox, 'function', 'the sources import too')
})

t.test('/client/ serves the build with an ETag, a short max-age and CORS for module scripts', async (t) => {
  const { app } = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false, clientDir })
  const response = await app.inject({ url: '/client/bookit-inbox.js' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/javascript/)
  t.equal(response.headers['cache-control'], 'public, max-age=300, must-revalidate')
  t.equal(response.headers['access-control-allow-origin'], '*')
  t.match(response.headers.etag, /^"[\w-]+"$/)
  t.equal(response.body, await readFile(join(clientDir, 'bookit-inbox.js'), 'utf8'))
  const again = await app.inject({ url: '/client/bookit-inbox.js', headers: { 'if-none-match': response.headers.etag as string } })
  t.equal(again.statusCode, 304, 'revalidated by ETag')
  t.equal(again.body, '')
  for (const url of ['/client/nope.js', '/client/..%2Fpackage.json', '/client/.bookit-inbox.js.1']) {
    const missing = await app.inject({ url })
    t.equal(missing.statusCode, 404, url)
    t.match(missing.json(), { statusCode: 404, message: String })
  }
  t.equal((await app.inject({ url: '/demo' })).statusCode, 404, 'no /demo outside development')
  t.equal((await app.inject({ method: 'POST', url: '/demo/token' })).statusCode, 404, 'and no demo tokens')
})

t.test('/demo in development: a page with the bell, signed in as the sample user with short-lived tokens', async (t) => {
  const { app } = await build(t, { DATABASE_URL: databaseUrl, NODE_ENV: 'development' }, { sendEmails: false, clientDir, migrate: false })
  const page = await app.inject({ url: '/demo' })
  t.equal(page.statusCode, 200)
  t.match(page.body, '<script type="module" src="/client/bookit-inbox.js">')
  t.match(page.body, /<bookit-inbox [^>]*token-callback="getDemoToken"/)
  t.notMatch(page.body, /eyJ/, 'no token is written into the page')
  const minted = await app.inject({ method: 'POST', url: '/demo/token' })
  t.equal(minted.statusCode, 200)
  t.equal(minted.headers['cache-control'], 'no-store')
  const { token, expiresIn } = minted.json() as { token: string; expiresIn: number }
  const claims = createVerifier({ key: JWT_SECRET, algorithms: ['HS256'] })(token) as { sub: string; exp: number; iat: number }
  t.equal(claims.sub, 'u-42')
  t.ok(claims.exp - claims.iat <= 300 && expiresIn === claims.exp - claims.iat, `short-lived (${claims.exp - claims.iat} s)`)
  const count = await app.inject({ url: '/v1/notifications/unread-count', headers: { authorization: `Bearer ${token}` } })
  t.equal(count.statusCode, 200, 'the token works on the API')
})
