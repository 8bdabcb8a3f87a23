import { randomBytes } from 'node:crypto'
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import webPush from 'web-push'
import { loadConfig } from '../src/config.js'
import { build, createTestDatabase, uniqueName } from './helpers/app.js'

/** VAPID configuration: generated and kept in development, off (said once) in production without keys, bad values named. */
const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x', SMTP_URL: 'smtp://127.0.0.1:25', JWT_SECRET: randomBytes(32).toString('base64url') }
const dataDir = () => `/tmp/${uniqueName('bookit-vapid')}`

t.test('development generates VAPID keys in DATA_DIR and keeps them between starts', async (t) => {
  const DATA_DIR = dataDir()
  const first = loadConfig({ DATA_DIR }).webPush
  t.ok(first, 'push is on in development')
  t.equal(Buffer.from(first!.publicKey, 'base64url').length, 65)
  t.equal(first!.subject, 'mailto:no-reply@bookit.local', 'the subject defaults to the MAIL_FROM address')
  t.same(loadConfig({ DATA_DIR }).webPush, first, 'the same keys on the next start')
  t.equal(statSync(join(DATA_DIR, 'dev-vapid-keys.json')).mode & 0o777, 0o600, 'readable by the owner only')
})

t.test('keys from `web-push generate-vapid-keys` are taken as they are', async (t) => {
  const keys = webPush.generateVAPIDKeys()
  const config = loadConfig({ ...production, WEB_PUSH_PUBLIC_KEY: keys.publicKey, WEB_PUSH_PRIVATE_KEY: keys.privateKey, WEB_PUSH_SUBJECT: 'mailto:ops@example.com' })
  t.same(config.webPush, { ...keys, subject: 'mailto:ops@example.com' })
})

t.test('production without keys runs with push off, never with generated keys', async (t) => {
  t.equal(loadConfig(production).webPush, undefined)
})

t.test('each bad value stops the start with a line naming the variable', async (t) => {
  const keys = webPush.generateVAPIDKeys()
  const other = webPush.generateVAPIDKeys()
  const cases: [Record<string, string>, RegExp][] = [
    [{ WEB_PUSH_PUBLIC_KEY: keys.publicKey }, /^Invalid configuration: WEB_PUSH_PRIVATE_KEY must be set together with WEB_PUSH_PUBLIC_KEY/],
    [{ WEB_PUSH_PRIVATE_KEY: keys.privateKey }, /^Invalid configuration: WEB_PUSH_PUBLIC_KEY must be set together/],
    [{ WEB_PUSH_PUBLIC_KEY: 'abc', WEB_PUSH_PRIVATE_KEY: keys.privateKey }, /^Invalid configuration: WEB_PUSH_PUBLIC_KEY must be a base64url uncompressed P-256 public key/],
    [{ WEB_PUSH_PUBLIC_KEY: keys.publicKey, WEB_PUSH_PRIVATE_KEY: 'abc' }, /^Invalid configuration: WEB_PUSH_PRIVATE_KEY must be a base64url P-256 private key/],
    [{ WEB_PUSH_PUBLIC_KEY: keys.publicKey, WEB_PUSH_PRIVATE_KEY: other.privateKey }, /^Invalid configuration: WEB_PUSH_PRIVATE_KEY does not belong to WEB_PUSH_PUBLIC_KEY/],
    [{ WEB_PUSH_SUBJECT: 'ops@example.com' }, /^Invalid configuration: WEB_PUSH_SUBJECT must be a mailto: address or an https: URL/],
    [{ ...production, WEB_PUSH_PUBLIC_KEY: keys.publicKey, WEB_PUSH_PRIVATE_KEY: keys.privateKey }, /^Invalid configuration: WEB_PUSH_SUBJECT must be set with the VAPID keys when NODE_ENV=production/],
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig({ DATA_DIR: dataDir(), ...env }), { name: 'ConfigError', message }, JSON.stringify(Object.keys(env)))
  }
})

t.test('a damaged development key file is named, not silently replaced', async (t) => {
  const DATA_DIR = dataDir()
  loadConfig({ DATA_DIR })
  writeFileSync(join(DATA_DIR, 'dev-vapid-keys.json'), '{"publicKey":"x","privateKey":"y"}')
  t.throws(() => loadConfig({ DATA_DIR }), { message: /^Invalid configuration: WEB_PUSH_PUBLIC_KEY is unset and DATA_DIR\/dev-vapid-keys.json is not a VAPID key pair/ })
})

t.test('a service with push off says so once, and its public key route says why', async (t) => {
  const { app, logs } = await build(t, { ...production, DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false, startWorkers: false })
  t.equal(logs.lines.filter((l) => l.includes('Web Push is off')).length, 1, 'one line at start')
  const response = await app.inject({ url: '/v1/push/public-key' })
  t.equal(response.statusCode, 404)
  t.match(response.json().message, /Web Push is not configured/)
})

t.test('generated VAPID private keys are always 32 bytes (getPrivateKey drops leading zero bytes)', async (t) => {
  const { createECDH } = await import('node:crypto')
  const { privateScalar, vapidKeyProblem, generateVapidKeys } = await import('../src/delivery/web-push/vapid-keys.js')
  // A scalar with a leading zero byte, as one generated key in 256 has.
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(Buffer.concat([Buffer.alloc(1), Buffer.alloc(31, 7)]))
  t.equal(ecdh.getPrivateKey().length, 31, 'node gives 31 bytes for it')
  const padded = privateScalar(ecdh)
  t.equal(padded.length, 32, 'padded to 32')
  t.equal(vapidKeyProblem({ publicKey: ecdh.getPublicKey('base64url', 'uncompressed'), privateKey: padded.toString('base64url') }), undefined, 'and accepted as a key pair')
  for (let i = 0; i < 2000; i++) {
    const keys = generateVapidKeys()
    if (vapidKeyProblem(keys)) return t.fail(`generated pair ${i} refused: ${JSON.stringify(vapidKeyProblem(keys))}`)
  }
  t.pass('2,000 generated pairs all accepted')
})
