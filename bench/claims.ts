/**
 * Claims: how many deliveries per second one instance can claim (100 at a time) with the
 * liveness claim (holder and fencing token per claim, and the sweep for gone holders once
 * a second beside it, as the service runs it) against the plain lease claim it replaced.
 * Also the cost of one sweep, and the rate if the sweep ran before every claim.
 * usage: node --import tsx bench/claims.ts [-- --deliveries 20000 --rounds 3]
 */
import { parseArgs } from 'node:util'
import { sql } from 'kysely'
import pino from 'pino'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { claimDueDeliveries, insertDeliveries } from '../src/delivery/delivery-store.js'
import { InstanceLiveness, releaseOrphanedClaims } from '../src/delivery/instance-liveness.js'
import { report } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'

const { values } = parseArgs({ options: { deliveries: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } } })
const total = Number(values.deliveries)
const rounds = Number(values.rounds)
const BATCH = 100
const LEASE_MS = 120_000

const scratch = await createScratchDatabase('claims')
const { db } = connectDatabase(scratch.url, { max: 4 })
await migrateToLatest(db)
for (let i = 0; i < total; i += 1000) {
  await insertDeliveries(
    db,
    Array.from({ length: Math.min(1000, total - i) }, (_, j) => ({
      channel: 'email' as const,
      userId: `u-${i + j}`,
      destination: `u${i + j}@example.com`,
      notificationType: 'booking_confirmed',
      template: 'booking-confirmed',
      locale: 'en',
      payload: { n: i + j },
      eventSource: '/bench',
      eventId: `e-${i + j}`,
    })),
  )
}
// A few gone instances holding claims of their own, as after crashes: the sweep has real work to skip.
await sql`INSERT INTO instances (host, pid) SELECT 'gone', g FROM generate_series(1, 5) g`.execute(db)

const liveness = new InstanceLiveness({ databaseUrl: scratch.url, timeoutMs: 10_000, log: pino({ level: 'warn' }), onLost: () => {} })
await liveness.start()
const me = liveness.id!

async function reset() {
  await sql`UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now() - interval '1 second', claimed_by = NULL, claim_token = NULL`.execute(db)
  await sql`VACUUM ANALYZE deliveries`.execute(db)
}

/** The claim this service had before: a lease only. */
async function plainClaim(): Promise<number> {
  const { rows } = await sql`
    UPDATE deliveries o SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => ${LEASE_MS / 1000}), updated_at = now()
    FROM (SELECT id FROM deliveries WHERE channel = 'email' AND status = 'pending' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED) due
    WHERE o.id = due.id RETURNING o.*`.execute(db)
  return rows.length
}

async function livenessClaim(): Promise<number> {
  return (await claimDueDeliveries(db, 'email', BATCH, LEASE_MS, me)).length
}

async function sweepEveryClaim(): Promise<number> {
  await releaseOrphanedClaims(db)
  return livenessClaim()
}

const sweepMs: number[] = []
async function timedSweep() {
  const started = performance.now()
  await releaseOrphanedClaims(db)
  sweepMs.push(performance.now() - started)
}

async function rate(claim: () => Promise<number>, sweepEverySecond = false): Promise<number> {
  await reset()
  const sweeper = sweepEverySecond ? setInterval(() => void timedSweep(), 1000) : undefined
  const started = performance.now()
  let claimed = 0
  for (;;) {
    const n = await claim()
    if (n === 0) break
    claimed += n
  }
  clearInterval(sweeper)
  return claimed / ((performance.now() - started) / 1000)
}

const plain: number[] = []
const live: number[] = []
const eager: number[] = []
// Interleaved, so that a busy moment on the machine does not fall on one side only.
for (let i = 0; i < rounds; i++) {
  plain.push(await rate(plainClaim))
  live.push(await rate(livenessClaim, true))
  eager.push(await rate(sweepEveryClaim))
}
for (let i = 0; i < 20; i++) await timedSweep()
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const p = median(plain)
const l = median(live)
const e = median(eager)
await liveness.stop()
await db.destroy()
await scratch.drop()
await report(
  'claims',
  [
    { figure: 'claimed/s, liveness claim (sweep once a second, as run)', value: l, unit: 'claims/s', baseline: p, target: '≥ 0.9 of the plain lease', met: l / p >= 0.9 },
    { figure: 'claimed/s, sweep before every claim (worst case)', value: e, unit: 'claims/s', baseline: p },
    { figure: 'one sweep for gone holders (median)', value: median(sweepMs), unit: 'ms' },
  ],
  [
    `${total} due email deliveries, claimed ${BATCH} at a time by one instance until none is left; median of ${rounds} interleaved runs. Baseline: the plain lease claim (no holder, no token, no sweep). Runs: plain ${plain.map(Math.round).join(', ')}; liveness ${live.map(Math.round).join(', ')}; sweep every claim ${eager.map(Math.round).join(', ')}.`,
  ],
)
