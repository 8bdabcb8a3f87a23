import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { PG_ADMIN_URL, brokerNames, build, createTestDatabase, databaseUrl as databaseUrlFor } from './helpers/app.js'
import { startService, waitForOutput } from './helpers/service-process.js'

const strongSecret = 'q8Vn3rT0kZ2mW7yH5cJ1pL9sX4bF6dG0'
const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x', SMTP_URL: 'smtp://mail.example.com', JWT_SECRET: strongSecret, PUBLIC_URL: 'https://notify.example.com', DATA_DIR: '/tmp/bookit-config-hardening' }

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n')
    throw err
  }
  return []
}

t.test('production refuses guessable secrets, plain-http public links and a sender with a line break, one line each', async (t) => {
  t.same(problems(production), [], 'a sound production configuration starts')
  const cases: [Record<string, string>, RegExp][] = [
    [{ JWT_SECRET: 'a'.repeat(32) }, /^Invalid configuration: JWT_SECRET is guessable/],
    [{ JWT_SECRET: 'abcd'.repeat(10) }, /^Invalid configuration: JWT_SECRET is guessable/],
    [{ UNSUBSCRIBE_SECRET: 'z'.repeat(40) }, /^Invalid configuration: UNSUBSCRIBE_SECRET is guessable/],
    [{ PUBLIC_URL: 'http://notify.example.com' }, /^Invalid configuration: PUBLIC_URL must use https:\/\/ when NODE_ENV=production/],
    [{ MAIL_FROM: 'BookIT\r\nBcc: all@example.com <no-reply@example.com>' }, /^Invalid configuration: MAIL_FROM must be one line/],
    [{ MAIL_FROM: 'BookIT <no-reply@example.com>\nX-Evil: 1' }, /^Invalid configuration: MAIL_FROM must be one line/],
  ]
  for (const [env, line] of cases) t.match(problems({ ...production, ...env }), [line], JSON.stringify(env))
  t.same(problems({ ...production, PUBLIC_URL: 'http://localhost:3000' }), [], 'a loopback http URL is allowed: it reaches no real recipient (trying production mode on one machine)')
})

t.test('outside production a guessable secret is a warning, and the MAIL_FROM line break is still refused', async (t) => {
  const config = loadConfig({ ...production, NODE_ENV: 'development', JWT_SECRET: 'a'.repeat(32), PUBLIC_URL: 'http://notify.example.com' })
  t.match(config.warnings, [/^JWT_SECRET is guessable/], 'warned')
  t.same(problems({ ...production, NODE_ENV: 'test', MAIL_FROM: 'a\n<b@example.com>' }).length, 1)
  t.match(loadConfig({ ...production, PUBLIC_URL: '' }).warnings, [/^PUBLIC_URL is not set: unsubscribe links point at http:\/\/localhost:3000/], 'production without PUBLIC_URL: a warning')
})

t.test('production reports every missing setting at once, one line each naming its variable', async (t) => {
  const lines = problems({ NODE_ENV: 'production', PORT: 'eighty', MAIL_FROM: 'x\ny', DATA_DIR: '/tmp/bookit-config-hardening' })
  t.match(lines, [/PORT must be a whole number/, /DATABASE_URL must be set/, /SMTP_URL must be set/, /MAIL_FROM must be one line/, /JWT_SECRET or JWT_PUBLIC_KEY must be set/], 'all five problems')
  t.equal(lines.length, 5, 'and nothing else')
  for (const line of lines) t.match(line, /^Invalid configuration: [A-Z_]+ /, 'each line names one variable')

  const service = startService({ NODE_ENV: 'production', DATA_DIR: '/tmp/bookit-config-hardening' })
  t.equal(await service.exited, 1)
  t.match(service.output().trim().split('\n'), [/DATABASE_URL/, /SMTP_URL/, /JWT_SECRET/], 'the server prints them all, before any restart')
})

t.test('TRUST_PROXY takes a hop count or proxy addresses, and refuses "true"', async (t) => {
  t.equal(loadConfig({ ...production, TRUST_PROXY: '2' }).trustProxy, 2)
  t.same(loadConfig({ ...production, TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,loopback,::1' }).trustProxy, ['10.0.0.1', '10.1.0.0/16', 'loopback', '::1'])
  t.equal(loadConfig(production).trustProxy, undefined, 'unset: the socket address is the client')
  for (const bad of ['true', '10.0.0.1/40', 'proxy.example.com', '0']) {
    t.match(problems({ ...production, TRUST_PROXY: bad }), [/^Invalid configuration: TRUST_PROXY /], bad)
  }
})

t.test('behind a trusted proxy the unsubscribe rate limit counts each client, not the proxy', async (t) => {
  const databaseUrl = await createTestDatabase(t)
  const unsubscribe = (app: Awaited<ReturnType<typeof build>>['app'], client: string) =>
    app.inject({ url: '/v1/unsubscribe?token=not-a-token', remoteAddress: '10.0.0.5', headers: { 'x-forwarded-for': client } })

  const trusted = (await build(t, { DATABASE_URL: databaseUrl, TRUST_PROXY: '10.0.0.5' }, { startWorkers: false, migrate: false })).app
  for (let i = 0; i < 30; i++) await unsubscribe(trusted, '203.0.113.1')
  t.equal((await unsubscribe(trusted, '203.0.113.1')).statusCode, 429, 'the 31st call of one client is limited')
  t.equal((await unsubscribe(trusted, '203.0.113.2')).statusCode, 400, 'another client behind the same proxy is not')

  const oneHop = (await build(t, { DATABASE_URL: databaseUrl, TRUST_PROXY: '1' }, { startWorkers: false, migrate: false })).app
  for (let i = 0; i < 30; i++) await unsubscribe(oneHop, '198.51.100.1')
  t.equal((await unsubscribe(oneHop, '198.51.100.1')).statusCode, 429, 'a hop count works the same way')
  t.equal((await unsubscribe(oneHop, '198.51.100.2')).statusCode, 400)

  const untrusted = (await build(t, { DATABASE_URL: databaseUrl }, { startWorkers: false, migrate: false })).app
  for (let i = 0; i < 30; i++) await unsubscribe(untrusted, `203.0.113.${i}`)
  t.equal((await unsubscribe(untrusted, '203.0.113.99')).statusCode, 429, 'without TRUST_PROXY a forged X-Forwarded-For does not escape the limit')
})

t.test('/dev/emails is served only with NODE_ENV=development', async (t) => {
  const databaseUrl = await createTestDatabase(t)
  for (const [env, status] of [['development', 200], ['test', 404]] as const) {
    const { app } = await build(t, { DATABASE_URL: databaseUrl, NODE_ENV: env }, { startWorkers: false, migrate: false })
    t.equal((await app.inject({ url: '/dev/emails' })).statusCode, status, `NODE_ENV=${env}: ${status}`)
  }
})

t.test('start-up errors name DATABASE_URL in plain words, never its password', async (t) => {
  const base = { DATA_DIR: '/tmp/bookit-config-hardening', PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'development' }
  const missing = new URL(databaseUrlFor('bookit_no_such_database'))
  missing.password = 'hunter2-password'
  const refused = 'postgres://postgres:hunter2-password@127.0.0.1:1/bookit'
  const role = new URL(PG_ADMIN_URL)
  role.username = 'no_such_role'
  role.password = 'hunter2-password'
  const cases: [string, RegExp][] = [
    [missing.toString(), /^Failed to start: Cannot use DATABASE_URL \(postgres:\/\/postgres:\*\*\*@[^)]+\/bookit_no_such_database\): the database "bookit_no_such_database" does not exist/m],
    [refused, /^Failed to start: Cannot use DATABASE_URL \(postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/bookit\): nothing accepts connections at 127\.0\.0\.1:1/m],
    [role.toString(), /^Failed to start: Cannot use DATABASE_URL \(.*\): PostgreSQL refused the login for role "no_such_role"/m],
  ]
  for (const [url, line] of cases) {
    const service = startService({ ...base, DATABASE_URL: url })
    t.equal(await service.exited, 1, `${url}: exit 1`)
    t.match(service.output(), line)
    t.notMatch(service.output(), /hunter2/, 'no password')
    t.notMatch(service.output(), /migration\s+failed/, 'not the old "migration  failed"')
  }
})

t.test('with DATABASE_URL and AMQP_URL set, the start line does not claim embedded mode', async (t) => {
  const databaseUrl = await createTestDatabase(t)
  const service = startService({ DATABASE_URL: databaseUrl, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', ...brokerNames(t), DATA_DIR: '/tmp/bookit-config-hardening', PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'development', JWT_SECRET: strongSecret })
  t.teardown(() => service.child.kill('SIGTERM'))
  await waitForOutput(service, /Server listening/, 60_000)
  t.notMatch(service.output(), /Embedded mode/, 'nothing is embedded')
  t.match(service.output(), /emails written to .*mail as \.eml files.*\. Set SMTP_URL(, SMS_URL)? to use real services/, 'each stand-in is named with its variable')
  t.notMatch(service.output(), /no broker/)
  service.child.kill('SIGTERM')
  await service.exited
})
