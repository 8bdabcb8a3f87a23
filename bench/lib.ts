import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import net, { type AddressInfo } from 'node:net'
import { join } from 'node:path'
import amqp from 'amqplib'

export const root = join(import.meta.dirname, '..')
export const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
export const JWT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef'
export const uniqueName = (prefix: string) => `${prefix}.${randomBytes(3).toString('hex')}`
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface Row {
  figure: string
  value: number
  unit: string
  baseline?: number
  target?: string
  met?: boolean
}

/** Prints a small table (and writes JSON to bench/results/<name>.json). */
export async function report(name: string, rows: Row[], notes: string[] = []): Promise<void> {
  const fmt = (v: number | undefined) => (v === undefined ? '' : v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(v >= 10 ? 1 : 2))
  const lines = rows.map((r) => [r.figure, `${fmt(r.value)} ${r.unit}`, r.baseline === undefined ? '—' : `${fmt(r.baseline)} ${r.unit}`, r.baseline ? (r.value / r.baseline).toFixed(2) : '—', r.target ?? '—', r.met === undefined ? '' : r.met ? 'met' : 'MISSED'])
  const header = ['figure', 'value', 'baseline', 'ratio', 'target', '']
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  console.log(`\n## ${name}\n`)
  console.log(line(header))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const l of lines) console.log(line(l))
  for (const note of notes) console.log(`\n${note}`)
  await mkdir(join(root, 'bench', 'results'), { recursive: true })
  await writeFile(join(root, 'bench', 'results', `${name}.json`), JSON.stringify({ name, at: new Date().toISOString(), rows, notes }, null, 2))
  console.log(`\nJSON: bench/results/${name}.json`)
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const person = (i: number, role: string) => ({ id: `${role}-${i}`, email: `${role}${i}@example.com`, name: `${role} ${i}`, locale: 'en' })

/** A booking.created with two hall admins: 3 in-app rows and 3 emails. */
export function bookingEvent(i: number) {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/bench',
    type: 'booking.created',
    time: new Date().toISOString(),
    data: {
      booking: { id: `b-${i}`, reference: `BK-${i}`, title: `Booking ${i}`, startsAt: '2037-12-01T09:00:00Z', endsAt: '2037-12-01T11:30:00Z', attendees: 12 },
      hall: { id: 'h-1', name: 'Main Hall', location: 'Building A', timeZone: 'Europe/Berlin' },
      user: person(i % 5000, 'user'),
      hallAdmins: [person(1, 'admin'), person(2, 'admin')],
    },
  }
}

/** Declares the service's topology and fills its queue before anything consumes. */
export async function fillQueue(exchange: string, queue: string, events: { type: string }[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL)
  const channel = await connection.createConfirmChannel()
  await channel.assertExchange(exchange, 'topic', { durable: true })
  await channel.assertQueue(queue, { durable: true })
  await channel.assertQueue(`${queue}.dlq`, { durable: true })
  for (const key of ['booking.created', 'booking.cancelled', 'user.created']) await channel.bindQueue(queue, exchange, key)
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!
    if (!channel.publish(exchange, event.type, Buffer.from(JSON.stringify(event)), { persistent: true, contentType: 'application/cloudevents+json' })) await new Promise((r) => channel.once('drain', r))
    if (i % 2000 === 1999) await channel.waitForConfirms()
  }
  await channel.waitForConfirms()
  await connection.close()
}

export async function deleteBrokerNames(exchange: string, queue: string): Promise<void> {
  const connection = await amqp.connect(AMQP_URL)
  const channel = await connection.createChannel()
  await channel.deleteQueue(queue)
  await channel.deleteQueue(`${queue}.dlq`)
  await channel.deleteExchange(exchange)
  await connection.close()
}

export interface ServiceProcess {
  child: ChildProcess
  output: () => string
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb: () => number
  rssMb: () => number
  /** CPU time (user + system) the service has used so far, in seconds. */
  cpuSeconds: () => number
  stop: () => Promise<void>
}

function procStatus(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? Number(match[1]) / 1024 : Number.NaN
}

// utime and stime, in clock ticks (100 a second on Linux), after the parenthesised command name.
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Starts the built service (`dist/`) as production would, with the given environment. */
export function startBuiltService(env: Record<string, string>): ServiceProcess {
  // The same heap caps as `npm start` and the Dockerfile.
  // BENCH_NODE_ARGS adds flags to the service's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof";
  // a flag given again there wins ("--max-semi-space-size=16" is V8's default young generation).
  const extra = process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []
  const child = spawn(process.execPath, [`--max-old-space-size=${process.env.NODE_HEAP_MB ?? 128}`, '--max-semi-space-size=8', ...extra, join(root, 'dist', 'src', 'server.js')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', JWT_SECRET, LOG_LEVEL: 'warn', DATA_DIR: '/tmp/bookit-bench', SMTP_URL: 'smtp://127.0.0.1:1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  return {
    child,
    output: () => output,
    peakRssMb: () => procStatus(child.pid!, 'VmHWM'),
    rssMb: () => procStatus(child.pid!, 'VmRSS'),
    cpuSeconds: () => cpuSeconds(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(intervalMs)
  }
}

/**
 * Waits until `count()` reaches `total`, counting less often while the end is far off.
 * A count(*) of tens of thousands of rows every 20 ms took a tenth of a core from the
 * service being measured on a two-core machine, while the in-process baselines count for
 * free; polling at the pace the count grows keeps the end time accurate to `finalMs`.
 * `onCount` sees each count (progress lines).
 */
export async function waitForCount(count: () => Promise<number>, total: number, timeoutMs: number, what: string, onCount?: (n: number) => void, finalMs = 20): Promise<void> {
  const started = Date.now()
  for (;;) {
    const n = await count()
    onCount?.(n)
    if (n >= total) return
    const elapsed = Date.now() - started
    if (elapsed > timeoutMs) throw new Error(`timed out waiting for ${what} (${n} of ${total})`)
    // Half the time the rest should take at the rate so far, between finalMs and 500 ms.
    const rest = n > 0 ? ((total - n) * elapsed) / n : 500
    await sleep(Math.max(finalMs, Math.min(500, rest / 2)))
  }
}

/** A port nobody listens on now, for a service started with LOG_LEVEL above info (which hides "listening at"). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export async function waitForReady(port: number, svc: ServiceProcess, timeoutMs = 30_000): Promise<void> {
  await waitUntil(
    async () => {
      if (svc.child.exitCode !== null) throw new Error(`service exited: ${svc.output()}`)
      return fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false)
    },
    timeoutMs,
    'the service to be ready',
    50,
  )
}
