import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { StatsFolder } from '../stats/stats-folder.js'
import { closeOnShutdown } from '../shutdown-step.js'

/** Folds statistics deltas into the rollups in the background; stopped before the database closes. */
export default fp<{ config: Config; run: boolean }>(
  async (app, { config, run }) => {
    if (!run) return
    const folder = new StatsFolder({ db: app.db, intervalMs: config.statsFoldMs, metrics: app.metrics, log: app.log.child({ component: 'stats' }) })
    app.addHook('onReady', async () => folder.start())
    closeOnShutdown(app, 'preClose', 'stats folder', () => folder.stop())
  },
  { name: 'stats', dependencies: ['database', 'metrics'] },
)
