import type { Test } from 'tap'
import { sql } from 'kysely'
import { waitFor } from '../helpers/app.js'
import { type ServiceProcess, startService, waitForOutput } from '../helpers/service-process.js'
import { serviceRig } from './service-rig.js'

/**
 * What the takeover tests share: two service processes on one database, and ways to see
 * which claims one of them held and when those were sent.
 */

// The lease is long on purpose: what these tests see coming back in seconds comes back
// because its holder is gone, not because a lease ran out. A window of 20 claims keeps the
// work to re-send small on a loaded machine.
export const LONG_LEASE = { EMAIL_LEASE_MS: '120000', EMAIL_BATCH_SIZE: '20' }
export const TOTAL = 200
export const TAKEOVER_BOUND_S = 15

type Rig = Awaited<ReturnType<typeof serviceRig>>
type Db = Rig['db']

export function instanceId(service: ServiceProcess): string {
  const match = /"instanceId":"([0-9a-f-]{36})","lockKey":\d+,"msg":"instance registered/.exec(service.output())
  if (!match) throw new Error(`no instance id in the output:\n${service.output().slice(-2000)}`)
  return match[1]!
}

export async function startInstance(t: Test, env: Record<string, string>): Promise<ServiceProcess> {
  const service = startService(env)
  t.teardown(() => {
    service.child.kill('SIGCONT')
    service.child.kill('SIGKILL')
  })
  await waitForOutput(service, /consuming events from the broker/, 60_000)
  await waitForOutput(service, /instance registered/, 30_000)
  return service
}

/** Waits until `holder` has claims in flight, and answers their ids. */
export async function claimsOf(db: Db, holder: string): Promise<string[]> {
  return waitFor(
    async () => {
      const rows = await db.selectFrom('deliveries').select('id').where('status', '=', 'pending').where('claimed_by', '=', holder).execute()
      return rows.length >= 5 && rows.map((r) => r.id)
    },
    { what: 'the instance to hold claims', timeout: 60_000, interval: 5 },
  )
}

export const dbNow = async (db: Db) => (await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(db)).rows[0]!.now

/** Seconds from `since` (database time) until the last of `ids` was marked sent. */
export async function secondsToLastSent(db: Db, ids: string[], since: Date): Promise<number> {
  const { rows } = await sql<{ s: number }>`SELECT extract(epoch from max(sent_at) - ${since}::timestamptz)::float8 AS s FROM deliveries WHERE id = ANY(${ids}::uuid[])`.execute(db)
  return rows[0]!.s
}

/** Every email arrived, each under the Message-ID of its delivery (copies included). */
export async function everyEmailArrived(t: Test, db: Db, received: { messageId?: string }[]): Promise<void> {
  const ids = new Set((await db.selectFrom('deliveries').select('id').where('channel', '=', 'email').execute()).map((r) => `<${r.id}@bookit.local>`))
  const distinct = new Set(received.map((m) => m.messageId))
  t.equal(distinct.size, TOTAL * 2, 'every email delivered')
  t.same([...distinct].filter((id) => !ids.has(id!)), [], 'each with the Message-ID of its delivery, re-sent ones included')
}
