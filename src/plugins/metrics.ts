import fp from 'fastify-plugin'
import type { Metric } from 'prom-client'
import { pendingStats } from '../delivery/delivery-store.js'
import { countOrphanedClaims } from '../delivery/instance-liveness.js'
import { DELIVERY_CHANNELS } from '../domain/delivery-channels.js'
import { type Metrics, createMetrics } from '../metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

export default fp(
  async (app) => {
    const metrics = createMetrics()
    app.decorate('metrics', metrics)
    /** Gauges set from a database query at each scrape, by name. */
    const fromDatabase = new Map<string, Metric>()
    for (const gauge of [metrics.deliveriesPending, metrics.deliveryOldestPendingAge, metrics.deliveryClaimsOrphaned, metrics.emailsPending, metrics.emailOldestPendingAge, metrics.schedulerOldestDueAge]) fromDatabase.set((await gauge.get()).name, gauge)

    // Callback style, not async: this runs on every request, and a promise per request shows up.
    app.addHook('onResponse', (request, reply, done) => {
      // The route pattern, never the raw URL: ids would make a series per notification.
      const route = request.routeOptions.url ?? 'unmatched'
      metrics.httpRequestSeconds.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
      done()
    })

    app.get(
    '/metrics',
    {
      logLevel: 'warn',
      schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'], response: { 200: { type: 'string', description: 'Prometheus text format' } } },
    }, async (_request, reply) => {
      try {
        const stats = await pendingStats(app.db)
        for (const channel of DELIVERY_CHANNELS) {
          const s = stats.find((x) => x.channel === channel) ?? { pending: 0, oldestAgeSeconds: 0 }
          metrics.deliveriesPending.set({ channel }, s.pending)
          metrics.deliveryOldestPendingAge.set({ channel }, s.oldestAgeSeconds)
          // The contract's email gauges, kept under their names.
          if (channel === 'email') {
            metrics.emailsPending.set(s.pending)
            metrics.emailOldestPendingAge.set(s.oldestAgeSeconds)
          }
        }
        metrics.deliveryClaimsOrphaned.set(await countOrphanedClaims(app.db))
        // Read at scrape time, not by the scheduler's loop: a stuck loop must not freeze its own alarm.
        if (app.hasDecorator('scheduler')) metrics.schedulerOldestDueAge.set(await app.scheduler.oldestDueAgeSeconds())
        for (const [name, gauge] of fromDatabase) if (!metrics.registry.getSingleMetric(name)) metrics.registry.registerMetric(gauge)
        metrics.databaseReadable.set(1)
      } catch (err) {
        // The scrape still answers, with process metrics; gauges read from the database are
        // left out rather than repeated stale (an alert on them then sees "no data", not a
        // frozen value), and bookit_metrics_database_readable says why.
        for (const name of fromDatabase.keys()) metrics.registry.removeSingleMetric(name)
        metrics.databaseReadable.set(0)
        app.log.warn({ err }, 'could not read the delivery queues for metrics')
      }
      // Read now rather than on a timer, so a value is never older than the scrape; a queue
      // the broker does not answer about (away, or slower than 1 s) is left out, not repeated.
      const depths = app.amqpConsumer ? await app.amqpConsumer.queueDepths() : []
      metrics.amqpQueueMessages.reset()
      metrics.amqpQueueConsumers.reset()
      for (const { queue, messages, consumers } of depths) {
        metrics.amqpQueueMessages.set({ queue }, messages)
        metrics.amqpQueueConsumers.set({ queue }, consumers)
      }
      reply.type(metrics.registry.contentType)
      return metrics.registry.metrics()
    })
  },
  { name: 'metrics', dependencies: ['database'] },
)
