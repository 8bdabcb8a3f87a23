/**
 * Runs every benchmark, one after another (they would compete for the same two cores),
 * then writes their tables into BENCHMARKS.md between the results markers.
 * usage: npm run bench [-- --quick]   (--quick: shorter runs, for a smoke test)
 *        npm run bench -- --report-only  (only rewrite the tables from bench/results/)
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { root } from './lib.js'

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, 'report-only': { type: 'boolean', default: false } } })
const runs: [name: string, args: string[]][] = [
  ['ingest', values.quick ? ['--events', '2000'] : []],
  ['latency', values.quick ? ['--seconds', '5'] : []],
  ['read-api', values.quick ? ['--seconds', '3'] : []],
  ['email', values.quick ? ['--emails', '500'] : []],
  ['memory', values.quick ? ['--minutes', '2'] : []],
  ['web-push', values.quick ? ['--messages', '200'] : []],
]

const failed: string[] = []
for (const [name, args] of values['report-only'] ? [] : runs) {
  console.log(`\n=== ${name} ${args.join(' ')}`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', `${name}.ts`), ...args], { cwd: root, stdio: 'inherit' })
  if (run.status !== 0) failed.push(name)
}

const version = (command: string, args: string[]) => {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n')[0]
  } catch {
    return 'unknown'
  }
}
const machine = [
  `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  `Node.js ${process.version}`,
  version('psql', ['--version']),
  `RabbitMQ ${version('rabbitmqctl', ['version'])}`,
].join('; ')

type Result = { name: string; at: string; rows: { figure: string; value: number; unit: string; baseline?: number; target?: string; met?: boolean }[]; notes: string[] }
const fmt = (v: number | undefined) => (v === undefined ? '—' : v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(v >= 10 ? 1 : 2))
const sections = runs.map(([name]) => {
  let result: Result
  try {
    result = JSON.parse(readFileSync(join(root, 'bench', 'results', `${name}.json`), 'utf8'))
  } catch {
    return `### ${name}\n\nNo result.\n`
  }
  const lines = result.rows.map((r) => `| ${r.figure} | ${fmt(r.value)} ${r.unit} | ${r.baseline === undefined ? '—' : `${fmt(r.baseline)} ${r.unit}`} | ${r.baseline ? (r.value / r.baseline).toFixed(2) : '—'} | ${r.target ?? '—'} | ${r.met === undefined ? '' : r.met ? 'met' : '**missed**'} |`)
  return [`### ${name} (${result.at.slice(0, 16).replace('T', ' ')} UTC)`, '', '| figure | value | baseline | ratio | target | |', '|---|---|---|---|---|---|', ...lines, '', ...result.notes.map((n) => `${n}\n`)].join('\n')
})

const file = join(root, 'BENCHMARKS.md')
const text = readFileSync(file, 'utf8')
const start = '<!-- results:start -->'
const end = '<!-- results:end -->'
const generated = `${start}\nMachine: ${machine}. Command: \`npm run bench${values.quick ? ' -- --quick' : ''}\`.\n\n${sections.join('\n')}\n${end}`
writeFileSync(file, text.replace(new RegExp(`${start}[\\s\\S]*${end}`), generated))
console.log(`\nBENCHMARKS.md updated${failed.length ? `; failed: ${failed.join(', ')}` : ''}`)
process.exitCode = failed.length ? 1 : 0
