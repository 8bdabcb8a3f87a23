import { hostname } from 'node:os'
import type { FastifyBaseLogger as Logger } from 'fastify'
import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import type { Database } from '../db/schema.js'

/** First key of every liveness lock (the second is the instance's lock_key): apart from other advisory locks. */
export const LIVENESS_LOCK_NAMESPACE = 74_920_311

/** Instances whose liveness lock no session of this database holds: they are gone. */
const goneInstances = sql`
  SELECT i.id FROM instances i
  WHERE NOT EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = ${LIVENESS_LOCK_NAMESPACE}::oid AND l.objid = i.lock_key::oid
  )`

/**
 * Frees every pending claim whose holder is gone, due at once: what a dead instance was
 * sending is taken over on the next claim, not after its lease. Answers how many.
 */
export async function releaseOrphanedClaims(db: Kysely<Database>): Promise<number> {
  // Looked for with a read first: this runs every second, and an UPDATE that finds nothing
  // still runs the table's statement triggers.
  if ((await countOrphanedClaims(db)) === 0) return 0
  // Due at their creation time: ahead of the queue, as they were when first claimed.
  const result = await sql`
    UPDATE deliveries SET claimed_by = NULL, next_attempt_at = LEAST(created_at, now()), updated_at = now()
    WHERE status = 'pending' AND claimed_by IN (${goneInstances})`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/** Pending claims held by instances that are gone (a metric: normally 0 within a second). */
export async function countOrphanedClaims(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM deliveries WHERE status = 'pending' AND claimed_by IN (${goneInstances})`.execute(db)
  return rows[0]?.n ?? 0
}

/** Forgets instances that are gone and hold nothing any more. */
export async function forgetGoneInstances(db: Kysely<Database>): Promise<void> {
  await sql`
    DELETE FROM instances WHERE id IN (${goneInstances})
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.status = 'pending' AND d.claimed_by = instances.id)`.execute(db)
}

export interface InstanceLivenessOptions {
  databaseUrl: string
  /** The session's idle_session_timeout: a holder silent this long (paused, cut off) loses its lock. */
  timeoutMs: number
  log: Logger
  /** Called when the lock is lost; in-flight work must stop sending. */
  onLost: () => void
}

/**
 * Proves to the database, without trusting anyone's clock, that this instance is alive:
 * a row in `instances` and a session advisory lock on its key, held on a connection of its
 * own. The database drops the lock when the session ends — the process killed, the
 * connection cut, or (idle_session_timeout) no heartbeat for `timeoutMs`, as when the
 * process is paused — and the instance's claims are then free for others.
 */
export class InstanceLiveness {
  /** The instance id claims are recorded under; undefined while not registered. */
  id: string | undefined
  private client: pg.Client | undefined
  private lastBeatAt = 0
  private heartbeat: NodeJS.Timeout | undefined
  private reconnect: NodeJS.Timeout | undefined
  private stopped = false
  private failures = 0
  private beating: Promise<boolean> | undefined

  constructor(private readonly o: InstanceLivenessOptions) {}

  private get beatEveryMs(): number {
    return Math.max(100, Math.floor(this.o.timeoutMs / 4))
  }

  async start(): Promise<void> {
    this.stopped = false
    try {
      await this.register()
    } catch (err) {
      this.lost(err)
    }
  }

  private async register(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'bookit-liveness', connectionTimeoutMillis: 5_000 })
    client.on('error', (err) => this.lost(err, client))
    client.on('end', () => this.lost(new Error('liveness connection closed'), client))
    this.client = client
    await client.connect()
    const { rows: version } = await client.query<{ v: string }>('SELECT version() AS v')
    // The embedded database is one session behind many sockets: a timeout would end it all.
    if (!/emscripten|wasm/i.test(version[0]?.v ?? '')) await client.query(`SET idle_session_timeout = ${Math.round(this.o.timeoutMs)}`)
    await client.query('BEGIN')
    const { rows } = await client.query<{ id: string; lock_key: number }>('INSERT INTO instances (host, pid) VALUES ($1, $2) RETURNING id, lock_key', [hostname(), process.pid])
    // Taken before the row commits: nobody ever sees this instance without its lock.
    await client.query('SELECT pg_advisory_lock($1, $2)', [LIVENESS_LOCK_NAMESPACE, rows[0]!.lock_key])
    await client.query('COMMIT')
    if (this.client !== client) throw new Error('liveness connection lost while registering')
    this.id = rows[0]!.id
    this.lastBeatAt = performance.now()
    this.failures = 0
    this.heartbeat = setInterval(() => void this.beat(), this.beatEveryMs)
    this.o.log.info({ instanceId: this.id, lockKey: rows[0]!.lock_key }, 'instance registered; holding its liveness lock')
  }

  /** Whether this instance may send now, asking the database when the last heartbeat is not recent. */
  async confirm(): Promise<boolean> {
    if (!this.id) return false
    if (performance.now() - this.lastBeatAt < this.o.timeoutMs / 2) return true
    return this.beat()
  }

  private beat(): Promise<boolean> {
    const client = this.client
    if (!client || !this.id) return Promise.resolve(false)
    this.beating ??= client
      .query('SELECT 1')
      .then(
        () => {
          if (this.client === client) this.lastBeatAt = performance.now()
          return this.client === client
        },
        (err: unknown) => {
          this.lost(err, client)
          return false
        },
      )
      .finally(() => (this.beating = undefined))
    return this.beating
  }

  private lost(err: unknown, client?: pg.Client): void {
    if (client && client !== this.client) return
    const wasId = this.id
    this.id = undefined
    this.client = undefined
    clearInterval(this.heartbeat)
    client?.end().catch(() => {})
    if (this.stopped) return
    if (wasId) this.o.log.error({ instanceId: wasId, err: (err as Error)?.message }, 'liveness lock lost; this instance stops sending what it had claimed')
    if (wasId) this.o.onLost()
    this.failures++
    // Short and capped: nothing is sent until this succeeds, and one connection attempt is cheap.
    const wait = Math.min(2_000, 250 * 2 ** Math.min(this.failures, 3))
    clearTimeout(this.reconnect)
    this.reconnect = setTimeout(() => {
      if (this.stopped) return
      this.register().catch((e: unknown) => {
        // Logged at the first failure and every tenth after it, not every two seconds of an outage.
        if (this.failures === 1 || this.failures % 10 === 0) this.o.log.warn({ err: (e as Error).message, attempts: this.failures, retryInMs: wait }, 'could not register this instance; retrying')
        this.lost(e, this.client)
      })
    }, wait)
  }

  /** Releases the lock and forgets the instance, so its claims are free at once. */
  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.heartbeat)
    clearTimeout(this.reconnect)
    const client = this.client
    const id = this.id
    this.client = undefined
    this.id = undefined
    if (!client) return
    try {
      if (id) await client.query('DELETE FROM instances WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE status = $2 AND claimed_by = $1)', [id, 'pending'])
    } catch {
      // Gone already: the session's end below releases the lock all the same.
    }
    await client.end().catch(() => {})
  }
}
