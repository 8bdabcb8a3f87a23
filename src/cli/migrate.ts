import { ConfigError, loadConfig } from '../config.js'
import { connectDatabase } from '../db/connect.js'
import { describeDatabaseStartError } from '../db/errors.js'
import { MigrationError, migrateToLatest } from '../db/migrate.js'
import { startEmbeddedDatabase } from '../embedded/embedded-database.js'

try {
  const config = loadConfig(process.env)
  const embedded = config.databaseUrl ? undefined : await startEmbeddedDatabase(config.dataDir)
  const { db } = connectDatabase(config.databaseUrl ?? embedded!.url, { max: 1 })
  try {
    const applied = await migrateToLatest(db)
    process.stdout.write(applied.length > 0 ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'The database is up to date.\n')
  } finally {
    await db.destroy()
    await embedded?.stop()
  }
} catch (err) {
  const message = err instanceof ConfigError ? err.message : err instanceof MigrationError ? describeDatabaseStartError(err, process.env.DATABASE_URL?.trim() || undefined) : `Migration failed: ${(err as Error).message}`
  process.stderr.write(`${message}\n`)
  process.exit(1)
}
