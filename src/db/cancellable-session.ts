import { type Kysely, sql } from 'kysely'
import type { Database } from './schema.js'

/** PostgreSQL's query_canceled: what a statement cancelled by `withCancellableSession` fails with. */
export const QUERY_CANCELED = '57014'

export const isQueryCanceled = (err: unknown) => (err as { code?: unknown } | undefined)?.code === QUERY_CANCELED

/**
 * Runs `work` on one pooled connection and cancels its running statement when `signal`
 * aborts. Background jobs (retention, statistics folds) run statements that a loaded
 * machine, or a row lock held elsewhere, can keep going far longer than a shutdown may
 * wait; what a cancelled statement did is rolled back, so the next run does it again.
 * `work` must look at the signal between its statements: a cancel that arrives while the
 * session is idle is dropped by the server.
 */
export async function withCancellableSession<T>(db: Kysely<Database>, signal: AbortSignal, work: (session: Kysely<Database>) => Promise<T>): Promise<T> {
  signal.throwIfAborted()
  return db.connection().execute(async (session) => {
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(session)
    const pid = rows[0]!.pid
    // Through another pooled connection: this one is busy with the statement to cancel.
    // If that fails (the database is away), the statement fails on its own soon enough.
    let finished = false
    let sent = false
    let cancelling: Promise<unknown> | undefined
    const cancel = () => {
      cancelling = db
        .connection()
        .execute(async (other) => {
          // Got a connection only once `work` was over (a pool of one, the embedded database):
          // there is nothing left to cancel, and the pid may be serving someone else.
          if (finished) return undefined
          sent = true
          return sql`SELECT pg_cancel_backend(${pid}::int)`.execute(other)
        })
        .catch(() => {})
    }
    signal.addEventListener('abort', cancel, { once: true })
    try {
      signal.throwIfAborted()
      return await work(session)
    } finally {
      signal.removeEventListener('abort', cancel)
      finished = true
      // A cancel already sent is waited for before this connection goes back to the pool:
      // landing late, it would cut off the statement of the connection's next user.
      if (sent) await cancelling
    }
  })
}
