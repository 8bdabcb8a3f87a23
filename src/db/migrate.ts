import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Kysely } from 'kysely'
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration'

// Resolves to `migrations/` from the sources and to `dist/migrations/` from the build.
const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations')

/** Every file in `migrations/`, in name order (exported for the test that runs each `down`). */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    const files = (await readdir(migrationsDir)).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort()
    const migrations: Record<string, Migration> = {}
    for (const file of files) {
      migrations[file.replace(/\.(js|ts)$/, '')] = (await import(pathToFileURL(join(migrationsDir, file)).href)) as Migration
    }
    return migrations
  },
}

/** Migrating failed: the first use of the database at start, so also "cannot connect". */
export class MigrationError extends Error {
  override name = 'MigrationError'
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider })
  const { error, results } = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    const what = failed ? `migration ${failed.migrationName} failed` : 'migrations could not run'
    throw new MigrationError(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
