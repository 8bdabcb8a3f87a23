import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { AmqpConsumer } from '../ingest/amqp-consumer.js'
import { type EventIngestor, createEventIngestor } from '../ingest/event-ingestor.js'
import { closeOnShutdown } from '../shutdown-step.js'

declare module 'fastify' {
  interface FastifyInstance {
    ingestor: EventIngestor
    /** Present when AMQP_URL is set. */
    amqpConsumer: AmqpConsumer | undefined
  }
}

export interface IngestPluginOptions {
  config: Config
  /** Whether this instance consumes from the broker (when one is configured). */
  consume: boolean
  /** The app's clock when it has its own (tests); else the system's for planning and the database's for what is due. */
  clock?: () => Date
}

export default fp<IngestPluginOptions>(
  async (app, { config, consume, clock }) => {
    const ingestor = createEventIngestor({
      db: app.db,
      metrics: app.metrics,
      log: app.log.child({ component: 'ingest' }),
      onEmailsQueued: (batchEvents) => app.deliveries.afterIngest(batchEvents),
      // Before HTTP ingest answers: a client that reads right after sees the new count.
      onNotificationsCreated: (userIds) => app.readCache.invalidate(userIds),
      record: { clock, reminderOffsetsMs: config.reminderOffsetsMs, digestDailyAt: config.digestDailyAt },
    })
    app.decorate('ingestor', ingestor)

    const consumer =
      config.amqpUrl && consume
        ? new AmqpConsumer({
            url: config.amqpUrl,
            exchange: config.amqpExchange,
            queue: config.amqpQueue,
            prefetch: config.amqpPrefetch,
            queueType: config.amqpQueueType,
            deliveryLimit: config.amqpDeliveryLimit,
            stallAfterMs: config.amqpStallAfterMs,
            ingestor,
            metrics: app.metrics,
            log: app.log.child({ component: 'amqp' }),
          })
        : undefined
    app.decorate('amqpConsumer', consumer)
    // An instance that does not consume has no consumer to be disconnected: a 0 here would
    // read as an outage on dashboards and alerts.
    if (!consumer) app.metrics.registry.removeSingleMetric('bookit_broker_connected')
    if (consumer) {
      app.addHook('onReady', async () => consumer.start())
      // preClose: stop taking messages before the HTTP server and the database go away.
      closeOnShutdown(app, 'preClose', 'broker consumer', () => consumer.stop())
    }
  },
  { name: 'ingest', dependencies: ['database', 'metrics', 'deliveries', 'live-updates'] },
)
