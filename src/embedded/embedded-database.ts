import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'

export interface EmbeddedDatabase {
  url: string
  stop(): Promise<void>
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), kept in `DATA_DIR/pglite` and served on a
 * loopback port over the PostgreSQL wire protocol, so the same `pg` pool, migrations and
 * queries run unchanged. For development and trying the service out, never production.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  // Loaded only when needed: a service with DATABASE_URL never pays for the WebAssembly.
  const { PGlite } = await import('@electric-sql/pglite')
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')
  const directory = join(dataDir, 'pglite')
  await mkdir(directory, { recursive: true })
  const db = await PGlite.create(directory)
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 20 })
  await server.start()
  return {
    url: `postgres://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    async stop() {
      await server.stop()
      await db.close()
    },
  }
}
