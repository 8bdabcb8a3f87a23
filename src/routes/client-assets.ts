import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createSigner } from 'fast-jwt'
import type { FastifyPluginAsync } from 'fastify'
import type { Config } from '../config.js'

export interface ClientAssetRoutesOptions {
  /** The built client (client/dist). */
  dir: string
  config: Config
}

const ASSET = /^[\w-]+\.js$/
/** Names are stable (one script tag in any app), so caches hold them briefly and revalidate by ETag. */
const CACHE_CONTROL = 'public, max-age=300, must-revalidate'
const DEMO_USER = 'u-42'
const DEMO_TOKEN_SECONDS = 300

interface Cached {
  mtimeMs: number
  body: Buffer
  etag: string
}

/**
 * Serves the drop-in inbox (`/client/bookit-inbox.js`) and, in development only, `/demo`:
 * a page signed in as a sample user with short-lived tokens minted here from the
 * development secret.
 */
const clientAssetRoutes: FastifyPluginAsync<ClientAssetRoutesOptions> = async (app, { dir, config }) => {
  const hide = { schema: { hide: true } }
  const cache = new Map<string, Cached>()

  const load = async (name: string): Promise<Cached | undefined> => {
    const path = join(dir, name)
    const info = await stat(path).catch(() => undefined)
    if (!info?.isFile()) return undefined
    const known = cache.get(name)
    if (known?.mtimeMs === info.mtimeMs) return known
    const body = await readFile(path)
    const entry = { mtimeMs: info.mtimeMs, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }
    cache.set(name, entry)
    return entry
  }

  app.get<{ Params: { file: string } }>('/client/:file', hide, async (request, reply) => {
    const { file } = request.params
    // Only plain names: nothing can reach outside the folder.
    const asset = ASSET.test(file) ? await load(file) : undefined
    if (!asset) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no client file ${file} (is the client built? npm run build)` })
    // Module scripts from another origin need CORS; the file is public and carries no credentials.
    reply.header('access-control-allow-origin', '*').header('cache-control', CACHE_CONTROL).header('etag', asset.etag).header('x-content-type-options', 'nosniff')
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send()
    return reply.type('text/javascript; charset=utf-8').send(asset.body)
  })

  if (config.env !== 'development' || config.jwt.algorithm !== 'HS256') return

  const sign = createSigner({
    key: config.jwt.secret,
    algorithm: 'HS256',
    expiresIn: DEMO_TOKEN_SECONDS * 1000,
    ...(config.jwtIssuer ? { iss: config.jwtIssuer } : {}),
    ...(config.jwtAudience ? { aud: config.jwtAudience } : {}),
  })

  app.post('/demo/token', hide, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { token: sign({ sub: DEMO_USER }), expiresIn: DEMO_TOKEN_SECONDS }
  })

  app.get('/demo', hide, async (_request, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
    return DEMO_PAGE
  })
}

const DEMO_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>BookIT inbox demo</title>
<style>
body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f6f7f9;color:#111}
header{display:flex;align-items:center;justify-content:space-between;padding:.5rem 1rem;background:#fff;border-bottom:1px solid #ddd}
main{max-width:48rem;margin:1.5rem auto;padding:0 1rem}
@media (prefers-color-scheme:dark){body{background:#111318;color:#eee}header{background:#1c1f26;border-color:#333}}
</style>
<script>
// Development only: tokens for the sample user ${DEMO_USER}, minted by the service, renewed before they expire.
let cached
window.getDemoToken = async (hint) => {
  if (!cached || hint?.expired || cached.until < Date.now()) {
    const { token, expiresIn } = await (await fetch('/demo/token', { method: 'POST' })).json()
    cached = { token, until: Date.now() + (expiresIn - 30) * 1000 }
  }
  return cached.token
}
</script>
<script type="module" src="/client/bookit-inbox.js"></script>
</head><body>
<header><strong>BookIT</strong><bookit-inbox api-base="" token-callback="getDemoToken" see-all-href="#all" sound></bookit-inbox></header>
<main>
<p>Signed in as the sample user <code>${DEMO_USER}</code>. Publish the sample events (README, quick start) and watch the bell.</p>
<bookit-notification-page id="all" api-base="" token-callback="getDemoToken"></bookit-notification-page>
</main>
</body></html>`

export default clientAssetRoutes
