import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')

export interface ServiceProcess {
  child: ChildProcess
  output: () => string
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>
}

/** Runs the real server entry point in its own process, as `npm start` would. */
export function startService(env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'server.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  return { child, output: () => output, exited }
}

export async function waitForOutput(service: ServiceProcess, pattern: RegExp, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!pattern.test(service.output())) {
    if (Date.now() > deadline) throw new Error(`service did not print ${pattern} in time; output:\n${service.output().slice(-3000)}`)
    if (service.child.exitCode !== null) throw new Error(`service exited (${service.child.exitCode}); output:\n${service.output().slice(-3000)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
