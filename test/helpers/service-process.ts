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
  // 'close', not 'exit': 'exit' can come before the last lines on stdout and stderr are read,
  // and those last lines are the ones that say why a process stopped.
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)))
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

/** The base URL the service printed when it started listening (it runs with PORT=0). */
export async function listeningUrl(service: ServiceProcess, timeout = 30_000): Promise<string> {
  await waitForOutput(service, /Server listening at http:\/\/127\.0\.0\.1:\d+/, timeout)
  return /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(service.output())![1]!
}

/** The environment of a service process on the test's own database, broker names and SMTP sink. */
export function serviceEnvironment(o: { databaseUrl: string; smtpUrl: string; broker: { AMQP_EXCHANGE: string; AMQP_QUEUE: string }; amqpUrl: string; jwtSecret: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: o.databaseUrl,
    AMQP_URL: o.amqpUrl,
    SMTP_URL: o.smtpUrl,
    JWT_SECRET: o.jwtSecret,
    PORT: '0',
    HOST: '127.0.0.1',
    AMQP_PREFETCH: '100',
    EMAIL_POLL_MS: '50',
    // Emails claimed by a killed process come back after their lease (2 minutes by default).
    EMAIL_LEASE_MS: '3000',
    DATA_DIR: `/tmp/bookit-fault-${process.pid}`,
    ...o.broker,
    ...extra,
  }
}
