import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'

// A client that stops reading must stop the export: the service may read ahead of the socket
// by what the kernel's buffers take and a batch or two, never the rest of the history.
const USER = 'slow-reader'
const ROWS = 20_000
const BODY = 'x'.repeat(6_000)

const databaseUrl = await createTestDatabase(t)
const { app } = await build(t, { DATABASE_URL: databaseUrl }, { sendEmails: false })
await sql`
  INSERT INTO notifications (user_id, type, title, body, data, created_at, event_source, event_id)
  SELECT ${USER}, 'welcome', 'n' || i, ${BODY}, jsonb_build_object('userId', ${USER}::text), now() - make_interval(secs => i), '/test', 'slow-' || i
  FROM generate_series(1, ${ROWS}) AS i`.execute(app.db)
await app.listen({ port: 0, host: '127.0.0.1' })
const { port } = app.server.address() as AddressInfo

// Counts the rows the service reads for this user's export, as PostgreSQL answers them
// (a spy on the real client: the queries still run).
let rowsRead = 0
const query = pg.Client.prototype.query
t.teardown(() => void (pg.Client.prototype.query = query))
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const result = (query as (...a: unknown[]) => unknown).apply(this, args)
  const [text, values] = args as [unknown, unknown]
  if (typeof text === 'string' && /from "notifications"/.test(text) && Array.isArray(values) && values.includes(USER) && result instanceof Promise) {
    void result.then((r: pg.QueryResult) => (rowsRead += r.rows.length), () => {})
  }
  return result
} as typeof query

t.test('a client that does not read holds the export back; it ends complete once read', async (t) => {
  const client = net.connect({ port, host: '127.0.0.1' })
  client.pause()
  await new Promise<void>((resolve) => client.once('connect', resolve))
  client.write(`GET /v1/notifications/export?format=ndjson HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${auth(app, USER).authorization}\r\nConnection: close\r\n\r\n`)

  let last = -1
  await waitFor(
    () => {
      const settled = rowsRead > 0 && rowsRead === last
      last = rowsRead
      return settled
    },
    { interval: 1_000, timeout: 60_000, what: 'the export to stop reading while nobody reads it' },
  )
  t.ok(rowsRead <= ROWS / 4, `${rowsRead} of ${ROWS} rows read while the client read nothing`)

  client.resume()
  const chunks: Buffer[] = []
  for await (const chunk of client) chunks.push(chunk as Buffer)
  const raw = Buffer.concat(chunks)
  const lines = dechunk(raw.subarray(raw.indexOf('\r\n\r\n') + 4)).trim().split('\n')
  t.equal(lines.length, ROWS, 'every notification arrives once the client reads')
  t.equal(new Set(lines.map((line) => JSON.parse(line).id)).size, ROWS, 'each once')
  t.equal(rowsRead, ROWS, 'and each was read once')
})

/** The body of a chunked HTTP/1.1 response. */
function dechunk(buffer: Buffer): string {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at)
    const size = parseInt(buffer.subarray(at, lineEnd).toString(), 16)
    if (!size) return Buffer.concat(parts).toString()
    parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
}
