import { type Kysely, sql } from 'kysely'
import { Migrator } from 'kysely/migration'
import t from 'tap'
import { connectDatabase } from '../src/db/connect.js'
import { migrationProvider } from '../src/db/migrate.js'
import { createTestDatabase } from './helpers/app.js'

/** What a migration can change, as text: columns, indexes, constraints, functions, triggers, types. */
async function schemaOf(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ item: string }>`
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS item
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%'
    UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely_%'
    UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace AND conrelid <> 0 AND conrelid::regclass::text NOT LIKE 'kysely_%'
    UNION ALL SELECT 'function ' || oid::regprocedure::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
    UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd', 'c') AND typrelid = 0
    UNION ALL SELECT 'relation ' || relkind::text || ' ' || relname FROM pg_class
      WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v', 'm', 'S', 'p') AND relname NOT LIKE 'kysely_%'
    ORDER BY 1`.execute(db)
  return rows.map((r) => r.item)
}

t.test("every migration's down undoes its up: all up one by one, all down in reverse, all up again", async (t) => {
  const { db } = connectDatabase(await createTestDatabase(t), { max: 1 })
  t.teardown(() => db.destroy())
  const migrator = new Migrator({ db, provider: migrationProvider })
  const names = Object.keys(await migrationProvider.getMigrations()).sort()
  t.ok(names.length >= 2, `${names.length} migrations`)

  // The schema before each migration: index i is what migration i starts from.
  const before: string[][] = []
  for (const name of names) {
    before.push(await schemaOf(db))
    const { error, results } = await migrator.migrateUp()
    t.error(error, `up ${name}`)
    t.same(results?.map((r) => [r.migrationName, r.status]), [[name, 'Success']], `up ${name} ran alone`)
  }
  const latest = await schemaOf(db)
  t.ok(latest.length > 0, 'the migrations made a schema')

  for (const [i, name] of [...names.entries()].reverse()) {
    const { error, results } = await migrator.migrateDown()
    t.error(error, `down ${name}`)
    t.same(results?.map((r) => [r.migrationName, r.status]), [[name, 'Success']], `down ${name} ran`)
    t.same(await schemaOf(db), before[i], `down ${name} leaves the schema as it was before its up`)
  }
  t.same(await schemaOf(db), [], 'nothing left')

  const again = await migrator.migrateToLatest()
  t.error(again.error, 'up again after all were undone')
  t.same(await schemaOf(db), latest, 'the same schema as the first time')
})
