import type { EventEmitter } from 'node:events'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import { connectDatabase } from '../db/connect.js'
import { migrateToLatest } from '../db/migrate.js'
import type { Database } from '../db/schema.js'
import { closeOnShutdown } from '../shutdown-step.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>
    dbNotifications: EventEmitter
  }
}

export interface DatabasePluginOptions {
  url: string
  migrate: boolean
  poolSize?: number
}

export default fp<DatabasePluginOptions>(
  async (app, opts) => {
    const { db, notifications } = connectDatabase(opts.url, { max: opts.poolSize })
    app.decorate('db', db)
    app.decorate('dbNotifications', notifications)
    closeOnShutdown(app, 'onClose', 'database pool', () => db.destroy())
    if (opts.migrate) {
      const applied = await migrateToLatest(db)
      if (applied.length > 0) app.log.info({ migrations: applied }, 'database migrations applied')
    }
  },
  { name: 'database' },
)
