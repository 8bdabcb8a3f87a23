/**
 * Export at scale: one user with a million notifications exports them as NDJSON and CSV
 * from the built service (as production runs it, same heap cap). Figures: time, rows/s and
 * the service's peak resident set size (VmHWM), which must stay bounded (≤ 150 MB).
 * Baseline in the same run: PostgreSQL's own COPY of the same rows as JSON lines, read by
 * psql to a pipe: the floor for reading them at all.
 * usage: npm run bench:export [-- --rows 1000000]
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createSigner } from 'fast-jwt'
import { sql } from 'kysely'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { JWT_SECRET, freePort, report, startBuiltService, waitForReady } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } })
const rows = Number(values.rows)
const USER = 'u-export'

/** psql from PATH, else where the PostgreSQL packages put it. */
function findPsql(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).trim()
  } catch {
    const base = '/usr/lib/postgresql'
    const found = existsSync(base) ? readdirSync(base).map((v) => join(base, v, 'bin', 'psql')).find((p) => existsSync(p)) : undefined
    if (!found) throw new Error('the baseline needs psql (PostgreSQL client tools) on PATH')
    return found
  }
}

const scratch = await createScratchDatabase('export')
const handle = connectDatabase(scratch.url, { max: 1 })
try {
  await migrateToLatest(handle.db)
  const seedStart = performance.now()
  // The change-feed triggers would log a million 'created' changes nobody listens to.
  await sql`ALTER TABLE notifications DISABLE TRIGGER USER`.execute(handle.db)
  await sql`
    INSERT INTO notifications (user_id, type, title, body, data, created_at, event_source, event_id)
    SELECT ${USER}, 'booking_confirmed', 'Booking confirmed: Quarterly review ' || i,
           'Main Hall, Tuesday, 1 December 2037, 10:00–12:30 (Central European Time)',
           jsonb_build_object('bookingId', 'b-' || i, 'bookingReference', 'BK-2037-' || i, 'bookingTitle', 'Quarterly review ' || i, 'hallId', 'h-1',
                              'hallName', 'Main Hall', 'startsAt', '2037-12-01T09:00:00Z', 'endsAt', '2037-12-01T11:30:00Z', 'timeZone', 'Europe/Berlin'),
           now() - make_interval(secs => i), '/bench', 'e-' || i
    FROM generate_series(1, ${rows}) AS i`.execute(handle.db)
  await sql`ALTER TABLE notifications ENABLE TRIGGER USER`.execute(handle.db)
  await sql`ANALYZE notifications`.execute(handle.db)
  console.log(`seeded ${rows.toLocaleString('en')} notifications in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`)
} finally {
  await handle.db.destroy()
}

// Baseline: the same rows, as JSON lines, newest first, straight out of PostgreSQL.
async function copyBaseline(): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now()
  const query = `COPY (SELECT row_to_json(n) FROM (SELECT id, type, title, body, data, created_at, read_at, seen_at, archived_at FROM notifications WHERE user_id = '${USER}' ORDER BY created_at DESC, id DESC) n) TO STDOUT`
  const child = spawn(findPsql(), [scratch.url, '-X', '-q', '-c', query], { stdio: ['ignore', 'pipe', 'inherit'] })
  let bytes = 0
  child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  if (code !== 0) throw new Error(`psql COPY exited with ${code}`)
  return { seconds: (performance.now() - started) / 1000, bytes }
}

const port = await freePort()
const svc = startBuiltService({ DATABASE_URL: scratch.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' })
try {
  // Generous: on a loaded machine the start (migrations checked, listener connected) can take a while.
  await waitForReady(port, svc, 180_000)
  const token = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })({ sub: USER })
  const rssAtReady = svc.rssMb()

  async function exportOnce(format: 'ndjson' | 'csv'): Promise<{ seconds: number; bytes: number; lines: number }> {
    const started = performance.now()
    const response = await fetch(`http://127.0.0.1:${port}/v1/notifications/export?format=${format}`, { headers: { authorization: `Bearer ${token}` } })
    if (!response.ok || !response.body) throw new Error(`export answered ${response.status}: ${await response.text()}`)
    let bytes = 0
    let lines = 0
    for await (const chunk of response.body) {
      bytes += chunk.length
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++
    }
    return { seconds: (performance.now() - started) / 1000, bytes, lines }
  }

  const baseline = await copyBaseline()
  const ndjson = await exportOnce('ndjson')
  const csv = await exportOnce('csv')
  if (ndjson.lines !== rows) throw new Error(`the NDJSON export had ${ndjson.lines} lines, not ${rows}`)
  if (csv.lines !== rows + 1) throw new Error(`the CSV export had ${csv.lines} lines, not ${rows + 1}`)
  const peak = svc.peakRssMb()
  const mb = (b: number) => (b / 1024 / 1024).toFixed(0)
  await report(
    'export',
    [
      { figure: `NDJSON export of ${rows.toLocaleString('en')} rows`, value: ndjson.seconds, unit: 's', baseline: baseline.seconds },
      { figure: 'NDJSON rows/s', value: rows / ndjson.seconds, unit: 'rows/s', baseline: rows / baseline.seconds },
      { figure: `CSV export of ${rows.toLocaleString('en')} rows`, value: csv.seconds, unit: 's', baseline: baseline.seconds },
      { figure: 'service peak RSS (VmHWM) over both exports', value: peak, unit: 'MB', target: '≤ 150 MB', met: peak <= 150 },
      { figure: 'service RSS when ready, before exporting', value: rssAtReady, unit: 'MB' },
    ],
    [
      `Sizes: NDJSON ${mb(ndjson.bytes)} MB, CSV ${mb(csv.bytes)} MB; the baseline (psql COPY ... TO STDOUT of row_to_json, same rows and order) ${mb(baseline.bytes)} MB.`,
      'Baseline column: PostgreSQL COPY to psql, the floor for reading the rows at all; ratio = export time / COPY time.',
    ],
  )
} catch (err) {
  console.error(svc.output())
  throw err
} finally {
  await svc.stop()
  await scratch.drop()
}
