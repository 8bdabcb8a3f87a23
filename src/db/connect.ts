import { EventEmitter } from 'node:events'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.js'

// Counts and ids come back as strings by default; bigint counts here always fit a number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

export interface DatabaseHandle {
  db: Kysely<Database>
  pool: pg.Pool
  /** NOTIFY messages that arrive on pool connections (see `notification` below). */
  notifications: EventEmitter
}

export function connectDatabase(connectionString: string, options: { max?: number; applicationName?: string } = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'bookit-notifications',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  })
  // An idle client losing its connection (database restart) must not crash the process;
  // the pool drops it and the next query opens a fresh one.
  pool.on('error', () => {})
  // A real PostgreSQL sends a NOTIFY only to sessions that LISTEN, and pool connections never
  // do. The embedded database is one session behind many sockets: there the NOTIFY comes
  // back on the connection that sent it, so it is picked up here.
  const notifications = new EventEmitter()
  pool.on('connect', (client) => {
    client.on('notification', (message) => notifications.emit('notification', message))
    // The pool listens for errors only on idle clients. A checked-out client whose socket
    // dies between two statements (mid-transaction) would otherwise throw from an 'error'
    // event; its pending query fails on its own, and the pool discards the broken client.
    client.on('error', () => {})
  })
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool, notifications }
}
