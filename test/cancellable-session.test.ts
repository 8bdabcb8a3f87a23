import { sql } from 'kysely'
import t from 'tap'
import { connectDatabase } from '../src/db/connect.js'
import { isQueryCanceled, withCancellableSession } from '../src/db/cancellable-session.js'
import { createTestDatabase } from './helpers/app.js'

t.test('an abort cancels the statement running on the session; the pool goes on unharmed', async (t) => {
  const { db } = connectDatabase(await createTestDatabase(t), { max: 2 })
  t.teardown(() => db.destroy())
  const stop = new AbortController()
  let started!: () => void
  const running = new Promise<void>((resolve) => (started = resolve))
  const work = withCancellableSession(db, stop.signal, async (session) => {
    started()
    await sql`SELECT pg_sleep(600)`.execute(session)
  })
  work.catch(() => {})
  await running
  // Aborted once the sleep is surely under way on the session: wait for it in pg_stat_activity.
  for (;;) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(600)%' AND state = 'active'`.execute(db)
    if (rows[0]!.n > 0) break
    await new Promise((r) => setTimeout(r, 20))
  }
  stop.abort()
  const err = await work.then(() => undefined, (e: unknown) => e)
  t.ok(isQueryCanceled(err), 'the statement failed with query_canceled')
  const after = await Promise.all([1, 2, 3].map((n) => sql<{ n: number }>`SELECT ${n}::int AS n`.execute(db)))
  t.same(after.map((r) => r.rows[0]!.n), [1, 2, 3], 'later statements on the pool run uncancelled')
})

t.test('with a pool of one (the embedded database) the cancel never lands on the next user', async (t) => {
  const { db } = connectDatabase(await createTestDatabase(t), { max: 1 })
  t.teardown(() => db.destroy())
  const stop = new AbortController()
  const work = withCancellableSession(db, stop.signal, async (session) => {
    // No connection is free for the cancel: the statement ends on its own.
    stop.abort()
    return (await sql<{ ok: number }>`SELECT 1 AS ok FROM pg_sleep(0.3)`.execute(session)).rows[0]!.ok
  })
  t.equal(await work, 1, 'the work finished')
  const next = await sql<{ ok: number }>`SELECT 2 AS ok FROM pg_sleep(0.3)`.execute(db)
  t.equal(next.rows[0]!.ok, 2, 'the next statement on that connection was not cancelled')
  await t.rejects(withCancellableSession(db, stop.signal, async () => 1), { name: 'AbortError' }, 'an aborted signal starts nothing')
})
