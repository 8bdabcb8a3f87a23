import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { waitFor } from './helpers/app.js'

/**
 * The README's quick start, run as written: its shell blocks are read from the README, so
 * the commands cannot drift from what a newcomer copies. Two substitutions only: the port
 * (the test takes a free one) and the data folder (a fresh one, as on a new machine).
 * `npm ci` is what produced the node_modules this runs with, so it is not run again.
 */
const root = join(import.meta.dirname, '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')
// The quick start proper, up to its first subsection (a reminder, the full stack).
const section = /## Quick start[^\n]*\n([\s\S]*?)\n##+ /.exec(readme)?.[1] ?? ''
const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)

t.test('the README quick start works as written, on an embedded database', async (t) => {
  t.equal(blocks.length, 2, 'a block to start the service, a block to use it')
  t.same(blocks[0]!.trim().split('\n'), ['npm ci', 'npm start'])

  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  const dataDir = mkdtempSync(join(tmpdir(), 'bookit-quickstart-'))
  // A newcomer's shell: no service configured.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), DATA_DIR: dataDir }
  const substitute = (command: string) => command.replaceAll('localhost:3000', `127.0.0.1:${port}`).replaceAll('data/mail/', `${dataDir}/mail/`).replaceAll('data/push/', `${dataDir}/push/`)

  const started = Date.now()
  const service = spawn('sh', ['-c', 'exec npm start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  service.stdout.on('data', (d: Buffer) => (output += d.toString()))
  service.stderr.on('data', (d: Buffer) => (output += d.toString()))
  t.teardown(() => {
    try {
      process.kill(-service.pid!, 'SIGTERM')
    } catch {
      // already gone
    }
  })
  await waitFor(() => /Server listening/.test(output), { timeout: 120_000, what: `npm start; output:\n${output}` })
  t.match(output, /Embedded mode:/, 'it says what is embedded')

  const run = spawnSync('bash', ['-e', '-c', substitute(blocks[1]!)], { cwd: root, env, encoding: 'utf8', timeout: 60_000 })
  t.equal(run.status, 0, `the second block runs without error${run.stderr ? `: ${run.stderr}` : ''}`)
  const lines = run.stdout.split('\n').filter(Boolean)
  const accepted = lines.filter((l) => l.startsWith('{"accepted"')).map((l) => JSON.parse(l))
  t.same(accepted, [{ accepted: 1, duplicates: 0 }, { accepted: 1, duplicates: 0 }, { accepted: 1, duplicates: 0 }], 'the three sample events accepted')
  const line = (prefix: string) => {
    const found = lines.find((l) => l.startsWith(prefix))
    if (!found) throw new Error(`no line starting ${prefix} in what the block printed:\n${run.stdout}`)
    return found
  }
  const count = JSON.parse(line('{"count"'))
  const list = JSON.parse(line('{"items"'))
  t.equal(list.items.length, 3, "u-42's notifications: welcome, booking confirmed, booking cancelled")
  t.same(list.items.map((n: { type: string }) => n.type).sort(), ['booking_cancelled', 'booking_confirmed', 'welcome'])
  t.equal(count.count, 3, 'and the unread count')

  await waitFor(() => readdirSync(join(dataDir, 'mail')).filter((f) => f.endsWith('.eml')).length === 5, { what: 'five captured emails', timeout: 20_000 })
  // The sample cancellation carries a phone number: its SMS is captured as the README says.
  const sms = await waitFor(() => {
    const files = readdirSync(join(dataDir, 'sms')).filter((f) => f.endsWith('.txt'))
    return files.length > 0 && files
  }, { what: 'the captured SMS', timeout: 20_000 })
  t.equal(sms.length, 1, 'one SMS, for the cancellation')
  t.match(readFileSync(join(dataDir, 'sms', sms[0]!), 'utf8'), /^To: \+4915112345678\n[\s\S]*Type: booking_cancelled\n[\s\S]*BookIT: Booking cancelled: Quarterly review\./)
  // The capture device got a real push per notification of u-42, decrypted into data/push/.
  const device = JSON.parse(line('{"id"'))
  const pushes = await waitFor(() => {
    const files = readdirSync(join(dataDir, 'push')).filter((f) => /^\d.*\.json$/.test(f))
    return files.length === 3 && files
  }, { what: 'three captured pushes', timeout: 20_000 })
  const messages = pushes.map((f) => JSON.parse(readFileSync(join(dataDir, 'push', f), 'utf8')))
  t.same(messages.map((m) => m.message.type).sort(), ['booking_cancelled', 'booking_confirmed', 'welcome'], 'a push per notification, decrypted')
  t.ok(messages.every((m) => m.device === device.id && m.userId === 'u-42'), 'all to the capture device of u-42')
  t.ok(lines.some((l) => /^\d.*\.json$/.test(l)), 'ls showed captured pushes')
  const listed = lines.filter((l) => l.endsWith('.eml'))
  t.ok(listed.length >= 1, `ls showed the captured emails (${listed.length} when it ran)`)
  t.comment(`quick start took ${((Date.now() - started) / 1000).toFixed(1)} s from npm start (build included) to the captured emails`)
})
