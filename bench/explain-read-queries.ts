/**
 * Shows the plans of the read API's queries on a table of a million notifications.
 * usage: npm run bench:explain
 */
import { sql } from 'kysely'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { createScratchDatabase } from './scratch-database.js'
import { seedNotifications } from './seed.js'

const scratch = await createScratchDatabase('explain')
const { db } = connectDatabase(scratch.url)
try {
  await migrateToLatest(db)
  const started = performance.now()
  await seedNotifications(db, 10_000, 100)
  console.log(`seeded 1,000,000 notifications for 10,000 users in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  const cursor = (await sql<{ created_at: Date; id: string }>`SELECT created_at, id FROM notifications WHERE user_id = 'user-42' ORDER BY created_at DESC, id DESC OFFSET 40 LIMIT 1`.execute(db)).rows[0]!
  const queries: [string, ReturnType<typeof sql>][] = [
    ['list, first page', sql`SELECT id, type, title, body, data, created_at, read_at FROM notifications WHERE user_id = 'user-42' ORDER BY created_at DESC, id DESC LIMIT 21`],
    ['list, a later page (keyset)', sql`SELECT id, type, title, body, data, created_at, read_at FROM notifications WHERE user_id = 'user-42' AND (created_at, id) < (${cursor.created_at}, ${cursor.id}::uuid) ORDER BY created_at DESC, id DESC LIMIT 21`],
    ['list, unread only', sql`SELECT id, type, title, body, data, created_at, read_at FROM notifications WHERE user_id = 'user-42' AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 21`],
    ['unread count', sql`SELECT count(*)::int FROM notifications WHERE user_id = 'user-42' AND read_at IS NULL`],
  ]
  for (const [name, query] of queries) {
    const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${query}`.execute(db)
    console.log(`-- ${name}`)
    for (const row of plan.rows) console.log(`   ${row['QUERY PLAN']}`)
    console.log()
  }
} finally {
  await db.destroy()
  await scratch.drop()
}
