/**
 * Read API: GET /v1/notifications?limit=20 and GET /v1/notifications/unread-count for
 * random users, with 1,000,000 notifications in the table, 50 connections (autocannon).
 * Baseline, same run: a Fastify hello-world route answering from memory. Warm: 2,000 active
 * users at random (the read cache holds them). Cold: a freshly started service, each of the
 * 10,000 users asked once, so every answer comes from PostgreSQL, as when traffic is spread.
 * usage: npm run bench:read [-- --seconds 15]
 */
import { spawn } from 'node:child_process'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { JWT_SECRET, freePort, report, startBuiltService, waitForReady, waitUntil } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'
import { seedNotifications } from './seed.js'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' }, connections: { type: 'string', default: '50' } } })
const duration = Number(values.seconds)
const connections = Number(values.connections)
const USERS = 10_000

const scratch = await createScratchDatabase('read')
const handle = connectDatabase(scratch.url, { max: 1 })
await migrateToLatest(handle.db)
console.log('seeding 1,000,000 notifications...')
await seedNotifications(handle.db, USERS, 100)
await handle.db.destroy()

const sign = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
const tokens = Array.from({ length: 2_000 }, () => `Bearer ${sign({ sub: `user-${Math.floor(Math.random() * USERS)}` })}`)
const randomToken = () => tokens[Math.floor(Math.random() * tokens.length)]!

// Every user once, in order: no answer of the cold runs can come from the cache.
const everyUser = Array.from({ length: USERS }, (_, u) => `Bearer ${sign({ sub: `user-${u}` })}`)
let nextUser = 0
const distinctToken = () => everyUser[nextUser++ % everyUser.length]!

async function load(url: string, path: string, withToken: boolean, o: { amount?: number; token?: () => string } = {}) {
  const token = o.token ?? randomToken
  const result = await autocannon({
    url,
    connections,
    ...(o.amount ? { amount: o.amount } : { duration }),
    requests: [{ method: 'GET', path, setupRequest: (request) => (withToken ? { ...request, headers: { ...request.headers, authorization: token() } } : request) }],
  })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors (${JSON.stringify({ timeouts: result.timeouts, resets: result.resets })})`)
  return { rps: result.requests.average, p99: result.latency.p99, p50: result.latency.p50 }
}

// Baseline: the same framework answering from memory, in its own process like the service.
const hello = spawn(process.execPath, ['--input-type=module', '-e', `
  import Fastify from 'fastify'
  const app = Fastify()
  app.get('/hello', async () => ({ hello: 'world' }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  console.log('port=' + app.server.address().port)`], { stdio: ['ignore', 'pipe', 'inherit'] })
let helloOut = ''
hello.stdout.on('data', (d: Buffer) => (helloOut += d.toString()))
await waitUntil(() => /port=\d+/.test(helloOut), 10_000, 'the baseline server')
const helloUrl = `http://127.0.0.1:${/port=(\d+)/.exec(helloOut)![1]}`

// Request logging off (warn): two info lines per request would be measured too.
const port = await freePort()
const svc = startBuiltService({ DATABASE_URL: scratch.url, EMAIL_DISPATCH: 'off', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1' })
await waitForReady(port, svc)
const serviceUrl = `http://127.0.0.1:${port}`

// Hit ratio of the service's read cache over a run, from its metrics.
const cacheLookups = async () => {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text()
  const value = (kind: string, result: string) => Number(new RegExp(`bookit_read_cache_lookups_total\\{kind="${kind}",result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0)
  return { pageHits: value('page', 'hit'), pageMisses: value('page', 'miss'), countHits: value('count', 'hit'), countMisses: value('count', 'miss') }
}
const ratio = (hits: number, misses: number) => `${((100 * hits) / Math.max(1, hits + misses)).toFixed(1)} %`

await load(serviceUrl, '/v1/notifications?limit=20', true) // warm-up: caches and JIT
const baseline = await load(helloUrl, '/hello', false)
const before = await cacheLookups()
const list = await load(serviceUrl, '/v1/notifications?limit=20', true)
const count = await load(serviceUrl, '/v1/notifications/unread-count', true)
const after = await cacheLookups()

// Cold: a new process (empty cache), every user once per route.
await svc.stop()
const coldSvc = startBuiltService({ DATABASE_URL: scratch.url, EMAIL_DISPATCH: 'off', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1' })
await waitForReady(port, coldSvc)
await load(serviceUrl, '/health/live', false, { amount: 2_000 }) // JIT warm-up without touching the cache
const coldBaseline = await load(helloUrl, '/hello', false, { amount: USERS })
const coldBefore = await cacheLookups()
nextUser = 0
const coldList = await load(serviceUrl, '/v1/notifications?limit=20', true, { amount: USERS, token: distinctToken }).catch((err: Error) => {
  throw new Error(`${err.message}; the service ${coldSvc.child.exitCode === null ? 'still runs' : `exited (${coldSvc.child.exitCode})`}: ${coldSvc.output().slice(-2000)}`)
})
const coldAfterList = await cacheLookups()
// A list also caches the user's count: the count run gets a fresh process of its own.
await coldSvc.stop()
const coldCountSvc = startBuiltService({ DATABASE_URL: scratch.url, EMAIL_DISPATCH: 'off', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1' })
await waitForReady(port, coldCountSvc)
await load(serviceUrl, '/health/live', false, { amount: 2_000 })
nextUser = 0
const coldCount = await load(serviceUrl, '/v1/notifications/unread-count', true, { amount: USERS, token: distinctToken })
const coldAfter = await cacheLookups()
await coldCountSvc.stop()
hello.kill()
await scratch.drop()

await report(
  'read-api',
  [
    { figure: 'list (limit=20) req/s', value: list.rps, unit: 'req/s', baseline: baseline.rps, target: '≥ 0.35 of baseline', met: list.rps / baseline.rps >= 0.35 },
    { figure: 'list p99', value: list.p99, unit: 'ms', target: '≤ 25 ms', met: list.p99 <= 25 },
    { figure: 'unread-count req/s', value: count.rps, unit: 'req/s', baseline: baseline.rps, target: '≥ 0.5 of baseline', met: count.rps / baseline.rps >= 0.5 },
    { figure: 'unread-count p99', value: count.p99, unit: 'ms', target: '≤ 25 ms', met: count.p99 <= 25 },
    { figure: 'hello-world p99', value: baseline.p99, unit: 'ms' },
    { figure: 'cold: list (limit=20) req/s', value: coldList.rps, unit: 'req/s', baseline: coldBaseline.rps },
    { figure: 'cold: list p99', value: coldList.p99, unit: 'ms' },
    { figure: 'cold: unread-count req/s', value: coldCount.rps, unit: 'req/s', baseline: coldBaseline.rps },
    { figure: 'cold: unread-count p99', value: coldCount.p99, unit: 'ms' },
  ],
  [
    `${connections} connections, ${duration} s each, ${tokens.length.toLocaleString('en')} active users picked at random (of ${USERS.toLocaleString('en')} with notifications); 1,000,000 notifications; load generator, service and PostgreSQL share 2 cores.`,
    `Cold runs: ${USERS.toLocaleString('en')} requests per route on a freshly started service, each user once (cache hits: first pages ${coldAfterList.pageHits - coldBefore.pageHits}, counts ${coldAfter.countHits}); baseline: hello-world for the same number of requests.`,
    `Read cache hit ratio during the measured runs: first pages ${ratio(after.pageHits - before.pageHits, after.pageMisses - before.pageMisses)}, unread counts ${ratio(after.countHits - before.countHits, after.countMisses - before.countMisses)} (no events arrive meanwhile; each new event drops its recipients' entries).`,
  ],
)
