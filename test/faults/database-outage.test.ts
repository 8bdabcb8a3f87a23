import { sql } from 'kysely'
import t from 'tap'
import { connectDatabase } from '../../src/db/connect.js'
import { AMQP_URL, brokerNames, build, createTestDatabase, publishEvents, queueDepth, waitFor } from '../helpers/app.js'
import { bookingCreated, grace } from '../helpers/events.js'
import { assertEffectsOnce, effectCounts, waitAllEmailsSent } from '../helpers/invariants.js'
import { SmtpSink } from '../helpers/smtp-sink.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

const OUTAGE_MS = 15_000
const PREFETCH = 100
const CONSUMER_RETRY = 'cannot commit events; retrying'

interface Retry {
  time: number
  attempt: number
  retryInMs: number
}

/**
 * The consumer's retry lines, sorted into one chain per waiting batch: attempt n joins a
 * chain whose attempt n-1 was logged at least its announced wait earlier. A line that fits
 * no chain came sooner than the backoff said: a hot loop.
 */
function retryChains(retries: Retry[]): { chains: Retry[][]; early: Retry[] } {
  const chains: Retry[][] = []
  const early: Retry[] = []
  for (const retry of retries) {
    if (retry.attempt === 1) {
      chains.push([retry])
      continue
    }
    // Timers fire a millisecond early at worst; 5 ms of slack for clock rounding.
    const chain = chains.find((c) => c.at(-1)!.attempt === retry.attempt - 1 && retry.time >= c.at(-1)!.time + c.at(-1)!.retryInMs - 5)
    if (chain) chain.push(retry)
    else early.push(retry)
  }
  return { chains, early }
}

const metric = (body: string, name: string) => [...body.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0)

t.test('PostgreSQL unreachable for 15 s mid-stream: nothing acked before commit, backoff not a hot loop, full recovery', async (t) => {
  // The service reaches PostgreSQL through a proxy the test can close; the test itself goes direct.
  const proxy = new TcpProxy('127.0.0.1', 5432)
  await proxy.start()
  t.teardown(() => proxy.stop())
  const smtp = new SmtpSink({ parse: false })
  await smtp.start()
  t.teardown(() => smtp.stop())
  const databaseUrl = await createTestDatabase(t)
  const proxied = new URL(databaseUrl)
  proxied.port = String(proxy.port)
  const checker = 'outage-test-checker'
  const { db } = connectDatabase(databaseUrl, { max: 2, applicationName: checker })
  t.teardown(() => db.destroy())
  const broker = brokerNames(t)
  const { app, logs } = await build(t, { DATABASE_URL: proxied.toString(), AMQP_URL, SMTP_URL: smtp.url, AMQP_PREFETCH: String(PREFETCH), ...broker })
  await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })

  // 3,000 events (6,000 emails): enough to meet the outage mid-flight on both paths, and to
  // send everything afterwards well inside the per-file limit on a busy runner.
  const total = 3_000
  const events = Array.from({ length: total }, () => bookingCreated({ admins: [grace] }))
  await publishEvents(broker.AMQP_EXCHANGE, events.slice(0, total / 2))
  // Cut while emails are being sent, so the sender meets the outage mid-flight.
  await waitFor(async () => (await effectCounts(db)).events >= 600 && smtp.accepted.length >= 100, { what: 'a first part processed and mailed', timeout: 60_000 })

  const cutAt = Date.now()
  proxy.refuse()
  // The second half arrives while the database is away, so the consumer holds batches it
  // cannot commit however fast the first half went (on a quiet machine it is long done).
  await publishEvents(broker.AMQP_EXCHANGE, events.slice(total / 2))
  // The cut has taken hold once no session of the service is left in the database: a commit
  // already sent before the cut has then finished (or been rolled back) on the server.
  const database = new URL(databaseUrl).pathname.slice(1)
  await waitFor(async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${database} AND application_name <> ${checker}`.execute(db)
    return rows[0]!.n === 0
  }, { what: "the service's sessions to end", timeout: 10_000 })
  const atCut = (await effectCounts(db)).events
  const ready = await app.inject({ url: '/health/ready' })
  t.equal(ready.statusCode, 503, 'not ready while the database is away')
  t.match(ready.json(), { checks: { database: /unreachable/ } }, 'and it says what is missing')
  await new Promise((r) => setTimeout(r, cutAt + OUTAGE_MS - Date.now()))
  t.equal((await effectCounts(db)).events, atCut, 'nothing committed while the database was away')
  t.equal(app.amqpConsumer?.connected, true, 'the broker connection stayed up')

  const outageLines = logs.lines.map((l) => JSON.parse(l) as { time: number; msg: string; channel?: string; attempt?: number; retryInMs?: number }).filter((l) => l.time >= cutAt)
  const retries = outageLines.filter((l) => l.msg === CONSUMER_RETRY).map((l) => ({ time: l.time, attempt: l.attempt!, retryInMs: l.retryInMs! }))
  const { chains, early } = retryChains(retries)
  t.ok(chains.length >= 1, `the consumer kept trying: ${retries.length} retries of ${chains.length} waiting batches`)
  t.same(early, [], 'no retry came sooner than the wait it announced')
  // Backing off: each batch's wait grows until it reaches its ceiling, then stays there; a
  // loop that retries at a fixed pace (however it announces it) does not pass.
  const ceiling = (chain: Retry[]) => Math.max(...chain.map((c) => c.retryInMs))
  const notGrowing = chains.filter((chain) => chain.some((r, i) => i > 0 && !(r.retryInMs > chain[i - 1]!.retryInMs || (r.retryInMs === ceiling(chain) && chain[i - 1]!.retryInMs === ceiling(chain)))))
  t.same(notGrowing.map((c) => c.map((r) => r.retryInMs)), [], 'the waits grow until capped')
  const long = chains.filter((c) => c.length >= 3)
  t.ok(long.length >= 1, `a batch kept waiting: ${JSON.stringify(chains[0]?.map((r) => r.retryInMs))}`)
  t.ok(long.every((c) => c.at(-1)!.retryInMs > c[0]!.retryInMs && c.at(-1)!.retryInMs >= 4 * c[0]!.retryInMs), 'the last wait at least four times the first')
  // Bounded by the schedule: a batch holds at least one of the PREFETCH unacknowledged messages,
  // and each batch's retries fit in the outage one announced wait after another.
  t.ok(chains.length <= PREFETCH, `${chains.length} waiting batches, at most one per unacknowledged message`)
  const longest = Math.max(...chains.map((c) => c.slice(0, -1).reduce((sum, r) => sum + r.retryInMs, 0)))
  t.ok(longest <= Date.now() - cutAt, `each batch's waits fit in the outage (longest: ${longest} ms)`)
  // Every other component that waits and tries again (delivery dispatchers, the instance
  // registry, ...) announces a wait that does not shrink; what was logged is shown, not counted.
  const byMessage = new Map<string, { count: number; waits: number[] }>()
  for (const line of outageLines) {
    const key = line.channel ? `${line.msg} (${line.channel})` : line.msg
    const entry = byMessage.get(key) ?? { count: 0, waits: [] }
    entry.count++
    if (typeof line.retryInMs === 'number') entry.waits.push(line.retryInMs)
    byMessage.set(key, entry)
  }
  t.comment(`logged during the outage: ${[...byMessage].map(([key, { count }]) => `${count}x ${key}`).join('; ')}`)
  const shrinking = [...byMessage].filter(([key, { waits }]) => key !== CONSUMER_RETRY && waits.some((w, i) => i > 0 && w < waits[i - 1]!))
  t.same(shrinking.map(([key, { waits }]) => `${key}: ${waits.join(', ')}`), [], 'other retries back off too')
  // The path the last assertion below depends on: emails the SMTP server accepted after the
  // cut, whose "sent" marks could not be written then.
  const heldMarks = metric((await app.inject({ url: '/metrics' })).body, 'bookit_deliveries_sent_unrecorded_total')
  t.ok(heldMarks >= 1, `emails accepted while their sent mark could not be written: ${heldMarks} held`)

  proxy.accept()
  await waitFor(async () => (await effectCounts(db)).events === total, { what: 'every event after the outage', timeout: 90_000 })
  await waitFor(async () => (await queueDepth(broker.AMQP_QUEUE)) === 0, { what: 'the queue to drain' })
  // A message acknowledged before its commit would be missing now: the ack came after.
  await assertEffectsOnce(t, db, { notifications: total * 2, emails: total * 2 })
  await waitAllEmailsSent(db, () => smtp.accepted.length, 150_000)
  const distinct = new Set(smtp.accepted.map((m) => m.messageId))
  t.equal(distinct.size, total * 2, 'every email delivered')
  // Those accepted during the outage were marked sent afterwards, not sent again.
  t.equal(smtp.accepted.length, distinct.size, 'none twice')
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200, 'ready again')
})
