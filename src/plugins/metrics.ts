import fp from 'fastify-plugin'
import type { Metric } from 'prom-client'
import { pendingEmailStats } from '../email/email-outbox.js'
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
    for (const gauge of [metrics.emailsPending, metrics.emailOldestPendingAge]) fromDatabase.set((await gauge.get()).name, gauge)

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
        const stats = await pendingEmailStats(app.db)
        metrics.emailsPending.set(stats.pending)
        metrics.emailOldestPendingAge.set(stats.oldestAgeSeconds)
        for (const [name, gauge] of fromDatabase) if (!metrics.registry.getSingleMetric(name)) metrics.registry.registerMetric(gauge)
        metrics.databaseReadable.set(1)
      } catch (err) {
        // The scrape still answers, with process metrics; gauges read from the database are
        // left out rather than repeated stale (an alert on them then sees "no data", not a
        // frozen value), and bookit_metrics_database_readable says why.
        for (const name of fromDatabase.keys()) metrics.registry.removeSingleMetric(name)
        metrics.databaseReadable.set(0)
        app.log.warn({ err }, 'could not read the email queue for metrics')
      }
      reply.type(metrics.registry.contentType)
      return metrics.registry.metrics()
    })
  },
  { name: 'metrics', dependencies: ['database'] },
)
