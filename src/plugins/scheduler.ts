import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { REMINDER_JOB } from '../domain/reminders.js'
import { runReminders } from '../scheduler/reminder-jobs.js'
import { Scheduler } from '../scheduler/scheduler.js'
import { closeOnShutdown } from '../shutdown-step.js'

declare module 'fastify' {
  interface FastifyInstance {
    scheduler: Scheduler
  }
}

export interface SchedulerPluginOptions {
  config: Config
  /** Whether this instance runs due jobs; every replica may (they never take the same job). */
  run: boolean
  clock: () => Date
}

/** Due jobs (reminders) on PostgreSQL; closed before the database. */
export default fp<SchedulerPluginOptions>(
  async (app, { config, run, clock }) => {
    const scheduler = new Scheduler({
      db: app.db,
      handlers: { [REMINDER_JOB]: runReminders },
      clock,
      pollMs: config.schedulerPollMs,
      batchSize: 100,
      metrics: app.metrics,
      log: app.log.child({ component: 'scheduler' }),
      onCommitted: (handled) => app.deliveries.afterIngest(handled),
    })
    app.decorate('scheduler', scheduler)
    if (run) app.addHook('onReady', async () => scheduler.start())
    closeOnShutdown(app, 'onClose', 'scheduler', () => scheduler.stop())
  },
  { name: 'scheduler', dependencies: ['database', 'metrics', 'deliveries'] },
)
