import { sql } from 'kysely'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { loggerOptions } from '../src/logger.js'
import { LogCapture, createTestDatabase, testConfig } from './helpers/app.js'

// A value that passed validation and still fails in PostgreSQL: JSON text whose escape
// PostgreSQL refuses (22P05). Its `where` field quotes the JSON around it, secret included.
const secret = 'Db-Err-Secret-4711'
const refusedJson = `{"temporaryPassword":"${secret}","name":"a\\u0000"}`

t.test('a data exception from PostgreSQL answers 400, and its data-quoting fields never reach the log', async (t) => {
  const config = testConfig({ DATABASE_URL: await createTestDatabase(t) })
  const logs = new LogCapture()
  const app = await buildApp(config, { startWorkers: false, logger: { ...loggerOptions('info'), stream: logs } })
  t.teardown(() => app.close())
  // A route of the test's own: every real route validates first, so none reaches this error.
  app.get('/test/refused-by-database', async () => (await sql`SELECT ${refusedJson}::jsonb AS value`.execute(app.db)).rows)
  await app.ready()

  const response = await app.inject({ url: '/test/refused-by-database' })
  t.equal(response.statusCode, 400, 'the input is at fault: 400, not 500')
  t.match(response.json(), { error: 'Bad Request', message: /cannot store/ })
  t.notMatch(response.body, secret, 'not in the answer')
  t.match(logs.text, /"code":"22P05"/, 'the error is logged, with its code')
  t.notMatch(logs.text, secret, 'but not the data around it')
  t.notMatch(logs.text, /"where"|"detail"/, 'no where or detail field at all')
})

t.test('every logger made from loggerOptions drops where/detail/parameters/query, also on a cause', async (t) => {
  const logs = new LogCapture()
  const { pino } = await import('pino')
  const log = pino(loggerOptions('info'), logs)
  const dbError = Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05', where: `JSON data, line 1: ${secret}`, detail: secret, parameters: [secret], query: `SELECT '${secret}'` })
  log.error({ err: dbError }, 'direct')
  log.error({ err: new Error('wrapped', { cause: dbError }) }, 'as a cause')
  log.error({ error: dbError }, 'under "error"')
  t.equal(logs.lines.length, 3)
  t.notMatch(logs.text, secret)
  t.match(logs.text, /22P05/, 'the code stays, for diagnosis')
})

t.test('/health/ready says which part is down, not the driver error (hosts, roles) to anyone who asks', async (t) => {
  const config = testConfig({ DATABASE_URL: 'postgres://secret_role:pw@127.0.0.1:1/bookit' })
  const logs = new LogCapture()
  const app = await buildApp(config, { startWorkers: false, migrate: false, logger: { ...loggerOptions('info'), stream: logs } })
  t.teardown(() => app.close())
  const response = await app.inject({ url: '/health/ready' })
  t.equal(response.statusCode, 503)
  t.same(response.json(), { status: 'unavailable', checks: { database: 'unreachable' } })
  t.notMatch(response.body, /ECONNREFUSED|127\.0\.0\.1|secret_role/, 'no driver text')
  const line = logs.lines.find((l) => l.includes('readiness: database unreachable')) ?? ''
  t.match(line, /ECONNREFUSED/, 'the reason is in the log for operators')
})
