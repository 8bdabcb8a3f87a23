import { createECDH, randomBytes } from 'node:crypto'
import t from 'tap'
import { MAX_SUBSCRIPTIONS_PER_USER } from '../src/delivery/web-push/subscription-store.js'
import { ConfigError, loadConfig } from '../src/config.js'
import { auth, build, createTestDatabase } from './helpers/app.js'

/** The subscriptions API (contract section 2, Web Push): what a browser sends, checked; one user's devices only. */
const { app, config } = await build(t, { DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false })

function browserKeys() {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  return { p256dh: ecdh.getPublicKey('base64url', 'uncompressed'), auth: randomBytes(16).toString('base64url') }
}
const endpoint = () => `https://push.example.com/send/${randomBytes(8).toString('hex')}`
const post = (user: string, payload: unknown) => app.inject({ method: 'POST', url: '/v1/push/subscriptions', headers: auth(app, user), payload: payload as object })

t.test('the public key needs no token and is the configured VAPID key', async (t) => {
  const response = await app.inject({ url: '/v1/push/public-key' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { publicKey: config.webPush!.publicKey })
  t.equal(Buffer.from(response.json().publicKey, 'base64url').length, 65)
})

t.test('subscribe: 201 with an id; the same endpoint again is the same id', async (t) => {
  const subscription = { endpoint: endpoint(), expirationTime: null, keys: browserKeys() }
  const first = await post('u-1', subscription)
  t.equal(first.statusCode, 201, first.body)
  t.match(first.json().id, /^[0-9a-f-]{36}$/)
  const again = await post('u-1', { ...subscription, keys: browserKeys() })
  t.equal(again.statusCode, 201)
  t.equal(again.json().id, first.json().id, 'upsert by endpoint')
  const list = (await app.inject({ url: '/v1/push/subscriptions', headers: auth(app, 'u-1') })).json()
  t.equal(list.items.length, 1)
  t.same(Object.keys(list.items[0]).sort(), ['createdAt', 'endpoint', 'id'], 'keys are not echoed back')
})

t.test('keys in padded base64url (some browsers) are taken and stored unpadded', async (t) => {
  const keys = browserKeys()
  const padded = { p256dh: `${keys.p256dh}=`, auth: `${keys.auth}==` }
  t.equal((await post('u-pad', { endpoint: endpoint(), keys: padded })).statusCode, 201)
})

t.test('bad subscriptions are refused with 400 and a reason', async (t) => {
  const good = browserKeys()
  const cases: [string, unknown, RegExp][] = [
    ['http endpoint', { endpoint: 'http://push.example.com/x', keys: good }, /endpoint: must be an https URL/],
    ['not a URL', { endpoint: 'push service', keys: good }, /endpoint: must be an https URL/],
    ['short p256dh', { endpoint: endpoint(), keys: { ...good, p256dh: good.p256dh.slice(0, 40) } }, /p256dh: must be base64url of 65 bytes/],
    ['p256dh not base64url', { endpoint: endpoint(), keys: { ...good, p256dh: `${good.p256dh.slice(0, 80)}+/+/` } }, /p256dh: must be base64url/],
    ['p256dh not on the curve', { endpoint: endpoint(), keys: { ...good, p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url') } }, /not a point on the P-256 curve/],
    ['auth of 12 bytes', { endpoint: endpoint(), keys: { ...good, auth: randomBytes(12).toString('base64url') } }, /auth: must be base64url of 16 bytes/],
    ['no keys', { endpoint: endpoint() }, /keys/],
    ['not an object', [1, 2], /body must be object/],
  ]
  for (const [what, payload, message] of cases) {
    const response = await post('u-2', payload)
    t.equal(response.statusCode, 400, `${what}: ${response.body}`)
    t.match(response.json().message, message, what)
  }
  t.same((await app.inject({ url: '/v1/push/subscriptions', headers: auth(app, 'u-2') })).json().items, [], 'nothing was saved')
})

t.test("a user lists and deletes only their own; someone else's id is 404", async (t) => {
  const mine = (await post('u-3', { endpoint: endpoint(), keys: browserKeys() })).json().id as string
  const theirs = (await post('u-4', { endpoint: endpoint(), keys: browserKeys() })).json().id as string
  const list = (await app.inject({ url: '/v1/push/subscriptions', headers: auth(app, 'u-3') })).json().items as { id: string }[]
  t.same(list.map((s) => s.id), [mine])
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/push/subscriptions/${theirs}`, headers: auth(app, 'u-3') })).statusCode, 404, "someone else's")
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/push/subscriptions/not-a-uuid', headers: auth(app, 'u-3') })).statusCode, 404, 'not a uuid')
  t.equal((await app.inject({ url: '/v1/push/subscriptions', headers: auth(app, 'u-4') })).json().items.length, 1, "the other user's is still there")
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/push/subscriptions/${mine}`, headers: auth(app, 'u-3') })).statusCode, 204)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/push/subscriptions/${mine}`, headers: auth(app, 'u-3') })).statusCode, 404, 'twice: gone')
  t.same((await app.inject({ url: '/v1/push/subscriptions', headers: auth(app, 'u-3') })).json().items, [])
})

t.test(`a user keeps at most ${MAX_SUBSCRIPTIONS_PER_USER} subscriptions; the least recently subscribed go first`, async (t) => {
  const ids: string[] = []
  for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_USER; i++) ids.push((await post('u-many', { endpoint: endpoint(), keys: browserKeys() })).json().id as string)
  // The first browser subscribes again: now the most recent, so the second is the one dropped.
  const first = (await app.inject({ url: '/v1/push/subscriptions', headers: auth(app, 'u-many') })).json().items[0].endpoint as string
  t.equal((await post('u-many', { endpoint: first, keys: browserKeys() })).json().id, ids[0])
  const newest = (await post('u-many', { endpoint: endpoint(), keys: browserKeys() })).json().id as string
  const kept = ((await app.inject({ url: '/v1/push/subscriptions', headers: auth(app, 'u-many') })).json().items as { id: string }[]).map((s) => s.id)
  t.equal(kept.length, MAX_SUBSCRIPTIONS_PER_USER)
  t.ok(kept.includes(newest), 'the new one is kept')
  t.ok(kept.includes(ids[0]!), 'the re-subscribed one is kept')
  t.notOk(kept.includes(ids[1]!), 'the least recently subscribed is dropped')
})

t.test('subscription calls need a token', async (t) => {
  t.equal((await app.inject({ url: '/v1/push/subscriptions' })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: '/v1/push/subscriptions', payload: { endpoint: endpoint(), keys: browserKeys() } })).statusCode, 401)
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/push/subscriptions/00000000-0000-0000-0000-000000000000' })).statusCode, 401)
})

t.test('the sample service worker is served as JavaScript', async (t) => {
  const response = await app.inject({ url: '/sw.js' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /javascript/)
  t.match(response.body, /addEventListener\('push'/)
  t.match(response.body, /openWindow/)
})

t.test('an endpoint on a loopback, private or link-local address is refused with 400 (PUSH_ALLOWED_HOSTS unset)', async (t) => {
  for (const [host, range] of [['127.0.0.1:8443', 'loopback'], ['localhost', 'loopback'], ['[::1]', 'loopback'], ['10.0.0.5', 'private'], ['169.254.169.254', 'linkLocal']] as const) {
    const response = await post('u-ssrf', { endpoint: `https://${host}/push/abc`, keys: browserKeys() })
    t.equal(response.statusCode, 400, host)
    t.match(response.json().message, new RegExp(`^body/endpoint: .* resolves to .*, a ${range} address; push subscriptions only reach public addresses \\(or hosts in PUSH_ALLOWED_HOSTS\\)$`), host)
  }
  t.same((await app.inject({ url: '/v1/push/subscriptions', headers: auth(app, 'u-ssrf') })).json().items, [], 'nothing was saved')
  t.same(loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32), PUSH_ALLOWED_HOSTS: 'Push.Local, 127.0.0.1,10.0.0.0/8' }).pushEndpoints, { blockPrivateAddresses: true, allowedHosts: ['push.local', '127.0.0.1', '10.0.0.0/8'] })
  t.throws(() => loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32), PUSH_ALLOWED_HOSTS: 'push.local,not a host!' }), new ConfigError('Invalid configuration: PUSH_ALLOWED_HOSTS must list host names, addresses or CIDR ranges separated by commas (got "not a host!")'))
})
