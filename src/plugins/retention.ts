import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { RetentionScheduler } from '../retention/retention-job.js'
import { closeOnShutdown } from '../shutdown-step.js'

export default fp<{ config: Config; run: boolean }>(
  async (app, { config, run }) => {
    if (!run) return
    const scheduler = new RetentionScheduler({
      db: app.db,
      retentionDays: config.retentionDays,
      batchSize: config.retentionBatchSize,
      intervalMs: config.retentionIntervalMinutes * 60_000,
      metrics: app.metrics,
      log: app.log.child({ component: 'retention' }),
    })
    app.addHook('onReady', async () => scheduler.start())
    closeOnShutdown(app, 'preClose', 'retention', () => scheduler.stop())
  },
  { name: 'retention', dependencies: ['database', 'metrics'] },
)
