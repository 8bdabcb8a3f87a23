import { generateKeyPairSync } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import t from 'tap'
import { JWT_SECRET, build, createTestDatabase } from './helpers/app.js'

const now = () => Math.floor(Date.now() / 1000)
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const hs = (claims: Record<string, unknown>, key = JWT_SECRET) => createSigner({ key, algorithm: 'HS256' })(claims)
const get = (app: Awaited<ReturnType<typeof build>>['app'], token?: string, url = '/v1/notifications/unread-count') =>
  app.inject({ url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })

const databaseUrl = await createTestDatabase(t)

t.test('HS256: every kind of bad token answers 401, a missing role 403', async (t) => {
  const { app, logs } = await build(t, { DATABASE_URL: databaseUrl, JWT_ISSUER: 'https://id.bookit.example', JWT_AUDIENCE: 'bookit-notifications' })
  const good = { sub: 'u-1', exp: now() + 60, iss: 'https://id.bookit.example', aud: 'bookit-notifications' }

  t.equal((await get(app, hs(good))).statusCode, 200, 'a good token passes')

  const cases: [string, string | undefined, RegExp][] = [
    ['no header', undefined, /missing bearer token/],
    ['expired', hs({ ...good, exp: now() - 10 }), /token expired/],
    ['no exp', hs({ sub: 'u-1', iss: good.iss, aud: good.aud }), /invalid token/],
    ['no sub', hs({ ...good, sub: undefined }), /invalid token/],
    ['empty sub', hs({ ...good, sub: '' }), /sub must be a user id/],
    ['wrong secret', hs(good, 'another-secret-another-secret-0123456789'), /invalid token/],
    ['wrong issuer', hs({ ...good, iss: 'https://evil.example' }), /invalid token/],
    ['wrong audience', hs({ ...good, aud: 'other-service' }), /invalid token/],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(good)}.`, /invalid token/],
    ['garbage', 'not.a.token', /invalid token/],
    ['roles not an array', hs({ ...good, roles: 'notifications:admin' }), /roles must be an array/],
  ]
  for (const [name, token, message] of cases) {
    const response = await get(app, token)
    t.equal(response.statusCode, 401, `${name}: 401`)
    t.match(response.json(), { statusCode: 401, error: 'Unauthorized', message }, name)
  }

  const basic = await app.inject({ url: '/v1/notifications/unread-count', headers: { authorization: 'Basic dTpw' } })
  t.equal(basic.statusCode, 401, 'a non-bearer scheme: 401')

  const query = await app.inject({ url: `/v1/notifications/unread-count?access_token=${hs(good)}` })
  t.equal(query.statusCode, 401, 'access_token in the query only counts on the stream')

  const noRole = await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${hs(good)}` }, payload: {} })
  t.equal(noRole.statusCode, 403)
  t.match(noRole.json(), { error: 'Forbidden', message: /events:publish/ })
  const admin = await app.inject({ url: '/v1/admin/emails', headers: { authorization: `Bearer ${hs({ ...good, roles: ['events:publish'] })}` } })
  t.equal(admin.statusCode, 403, 'one role does not grant another')

  t.notMatch(logs.text, hs(good).split('.')[2]!, 'no token in the logs')
})

t.test('RS256 public key: RS tokens pass; HS tokens signed with the public key (alg confusion) fail', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const { app } = await build(t, { DATABASE_URL: databaseUrl, JWT_SECRET: '', JWT_PUBLIC_KEY: publicPem, UNSUBSCRIBE_SECRET: 'u'.repeat(40) })
  const claims = { sub: 'u-1', exp: now() + 60 }
  const rs = createSigner({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'RS256' })(claims)
  t.equal((await get(app, rs)).statusCode, 200, 'RS256 passes')
  t.equal((await get(app, hs(claims, publicPem))).statusCode, 401, 'HS256 with the public key as secret is refused')
  const ps = createSigner({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'PS256' })(claims)
  t.equal((await get(app, ps)).statusCode, 401, 'another algorithm with the same key is refused: the algorithm is pinned')
})

t.test('ES256 public key', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const { app } = await build(t, { DATABASE_URL: databaseUrl, JWT_SECRET: '', JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(), UNSUBSCRIBE_SECRET: 'u'.repeat(40) })
  const es = createSigner({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'ES256' })({ sub: 'u-1', exp: now() + 60 })
  t.equal((await get(app, es)).statusCode, 200)
  t.equal((await get(app, hs({ sub: 'u-1', exp: now() + 60 }))).statusCode, 401)
})

t.test('with JWT_ISSUER and JWT_AUDIENCE set, a token must carry iss and aud, not just match when present', async (t) => {
  const { app } = await build(t, { DATABASE_URL: databaseUrl, JWT_ISSUER: 'https://id.bookit.example', JWT_AUDIENCE: 'bookit-notifications' })
  const good = { sub: 'u-1', exp: now() + 60, iss: 'https://id.bookit.example', aud: 'bookit-notifications' }
  t.equal((await get(app, hs(good))).statusCode, 200, 'both present and matching: 200')
  for (const [name, claims] of [
    ['no iss', { ...good, iss: undefined }],
    ['no aud', { ...good, aud: undefined }],
    ['neither', { sub: 'u-1', exp: now() + 60 }],
  ] as const) {
    const response = await get(app, hs(claims))
    t.equal(response.statusCode, 401, `${name}: 401`)
    t.match(response.json(), { message: /invalid token/ }, name)
  }

  const { app: open } = await build(t, { DATABASE_URL: databaseUrl })
  t.equal((await get(open, hs({ sub: 'u-1', exp: now() + 60 }))).statusCode, 200, 'without JWT_ISSUER/JWT_AUDIENCE neither claim is needed')
})

t.test('a sub that is not a user id (control characters, too long) or a sources claim of the wrong shape: 401, never a 500', async (t) => {
  const { app, logs } = await build(t, { DATABASE_URL: databaseUrl })
  const claims = { exp: now() + 60 }
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['NUL in sub', { sub: 'u-1\u0000' }, /sub must be a user id/],
    ['line break in sub', { sub: 'u-1\nadmin' }, /sub must be a user id/],
    ['lone surrogate in sub', { sub: 'u-\ud800' }, /sub must be a user id/],
    ['sub over 200 characters', { sub: 'u'.repeat(201) }, /sub must be a user id/],
    ['sub a number', { sub: 42 }, /invalid token/],
    ['sources a string', { sub: 'svc', sources: '/svc' }, /sources must be an array of strings/],
  ]
  for (const [name, extra, message] of cases) {
    for (const url of ['/v1/notifications/unread-count', '/v1/notifications', '/v1/preferences']) {
      const response = await get(app, hs({ ...claims, ...extra }), url)
      t.equal(response.statusCode, 401, `${name} on ${url}: 401`)
      t.match(response.json(), { message }, name)
    }
  }
  t.equal((await get(app, hs({ ...claims, sub: 'u'.repeat(200) }))).statusCode, 200, 'a 200-character id is fine')
  t.notMatch(logs.text, /"level":50/, 'nothing logged as an error')
})
