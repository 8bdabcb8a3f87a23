import pino from 'pino'
import { connectDatabase } from '../../src/db/connect.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { AmqpConsumer, type AmqpConsumerOptions } from '../../src/ingest/amqp-consumer.js'
import { type EventIngestorOptions, createEventIngestor } from '../../src/ingest/event-ingestor.js'
import { loggerOptions } from '../../src/logger.js'
import { createMetrics } from '../../src/metrics.js'
import { AMQP_URL, LogCapture, brokerNames, createTestDatabase } from './app.js'

type Tap = Parameters<typeof brokerNames>[0]

/**
 * The real consumer and ingestor on a database and broker names of the test's own, without
 * the HTTP app: for the consumer's own paths, and for the seams only a test passes
 * (a planning step that throws).
 */
export async function consumerRig(t: Tap, o: { plan?: EventIngestorOptions['plan']; consumer?: Partial<AmqpConsumerOptions>; databaseUrl?: string } = {}) {
  const databaseUrl = o.databaseUrl ?? (await createTestDatabase(t))
  const handle = connectDatabase(databaseUrl, { max: 4 })
  t.teardown(() => handle.db.destroy())
  await migrateToLatest(handle.db)
  const logs = new LogCapture()
  const log = pino({ ...loggerOptions('info'), level: 'info' }, logs)
  const metrics = createMetrics()
  const broker = brokerNames(t)
  const ingestor = createEventIngestor({ db: handle.db, metrics, log, onEmailsQueued: () => {}, plan: o.plan })
  const consumer = new AmqpConsumer({ url: AMQP_URL, exchange: broker.AMQP_EXCHANGE, queue: broker.AMQP_QUEUE, prefetch: 30, ingestor, metrics, log, ...o.consumer })
  t.teardown(() => consumer.stop())
  return { db: handle.db, pool: handle.pool, logs, metrics, consumer, ingestor, broker, exchange: broker.AMQP_EXCHANGE, queue: broker.AMQP_QUEUE }
}
