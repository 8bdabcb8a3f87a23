import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import amqp from 'amqplib'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { type AppConfig, type BuildOptions, buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { loggerOptions } from '../../src/logger.js'
import { SAMPLE_SOURCES } from './events.js'

type Tap = { teardown(fn: () => unknown): void }

/** The machine's services; each test file makes its own database, exchange and queues on them. */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
export const JWT_SECRET = 'test-secret-0123456789abcdef0123456789abcdef'

export const uniqueName = (prefix: string) => `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`

export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** A fresh, empty database for one test file, dropped at the end. */
export async function createTestDatabase(t: Tap): Promise<string> {
  const name = uniqueName('bookit_test')
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  t.teardown(async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL })
    await client.connect()
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await client.end()
  })
  return databaseUrl(name)
}

/** Test configuration: the same loader as production, fed a test environment. */
export function testConfig(env: Record<string, string | undefined>): AppConfig {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET,
    LOG_LEVEL: 'warn',
    DATA_DIR: `/tmp/${uniqueName('bookit-data')}`,
    EMAIL_RETRY_BASE_MS: '50',
    EMAIL_RETRY_MAX_MS: '400',
    EMAIL_POLL_MS: '50',
    ...env,
  })
  if (!config.databaseUrl) throw new Error('tests need DATABASE_URL')
  return { ...config, databaseUrl: config.databaseUrl }
}

/** Every log line the app writes, parsed: for checking what is (not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = []
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean))
    callback()
  }
  get text(): string {
    return this.lines.join('\n')
  }
}

export interface TestApp {
  app: FastifyInstance
  config: AppConfig
  logs: LogCapture
}

/** Builds the real app with `buildApp`, starts its workers, and closes it at teardown. */
export async function build(t: Tap, env: Record<string, string | undefined>, options: BuildOptions & { logLevel?: string } = {}): Promise<TestApp> {
  const config = testConfig(env)
  const logs = new LogCapture()
  const app = await buildApp(config, { sseHeartbeatMs: 200, ...options, logger: { ...loggerOptions(options.logLevel ?? 'info'), stream: logs } })
  t.teardown(() => app.close())
  await app.ready()
  return { app, config, logs }
}

export function token(app: FastifyInstance, sub: string, roles?: string[], claims: Record<string, unknown> = {}): string {
  // A test publisher may use the sample events' sources, as a real one names its own.
  const sources = roles?.includes('events:publish') ? { sources: SAMPLE_SOURCES } : {}
  return app.jwt.sign({ sub, ...(roles ? { roles } : {}), ...sources, ...claims } as never, { expiresIn: '1h' })
}

export const auth = (app: FastifyInstance, sub: string, roles?: string[]) => ({ authorization: `Bearer ${token(app, sub, roles)}` })

export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, { timeout = 15_000, interval = 25, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeout
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, interval))
  }
}

/** Broker names for one test: an exchange and a queue nobody else uses, deleted at teardown. */
export function brokerNames(t: Tap): { AMQP_EXCHANGE: string; AMQP_QUEUE: string } {
  const names = { AMQP_EXCHANGE: uniqueName('test.events'), AMQP_QUEUE: uniqueName('test.notifications') }
  t.teardown(async () => {
    const connection = await amqp.connect(AMQP_URL)
    const channel = await connection.createChannel()
    await channel.deleteQueue(names.AMQP_QUEUE)
    await channel.deleteQueue(`${names.AMQP_QUEUE}.dlq`)
    await channel.deleteExchange(names.AMQP_EXCHANGE)
    await connection.close()
  })
  return names
}

/** Publishes raw bodies to the exchange, as an upstream service would, and waits for the broker's confirm. */
export async function publish(exchange: string, messages: { routingKey: string; body: Buffer | string | object }[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL)
  const channel = await connection.createConfirmChannel()
  await channel.assertExchange(exchange, 'topic', { durable: true })
  for (const { routingKey, body } of messages) {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
    channel.publish(exchange, routingKey, content, { persistent: true, contentType: 'application/cloudevents+json' })
  }
  await channel.waitForConfirms()
  await connection.close()
}

export const publishEvents = (exchange: string, events: { type: string }[]) => publish(exchange, events.map((e) => ({ routingKey: e.type, body: e })))

/** Reads (and removes) every message waiting in a queue. */
export async function drainQueue(queue: string): Promise<amqp.GetMessage[]> {
  const connection = await amqp.connect(AMQP_URL)
  const channel = await connection.createChannel()
  const messages: amqp.GetMessage[] = []
  for (;;) {
    const message = await channel.get(queue, { noAck: true })
    if (!message) break
    messages.push(message)
  }
  await connection.close()
  return messages
}

export async function queueDepth(queue: string): Promise<number> {
  const connection = await amqp.connect(AMQP_URL)
  const channel = await connection.createChannel()
  const { messageCount } = await channel.checkQueue(queue)
  await connection.close()
  return messageCount
}
