import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { AnnouncementFanout } from '../scheduler/announcement-fanout.js'
import { closeOnShutdown } from '../shutdown-step.js'

declare module 'fastify' {
  interface FastifyInstance {
    announcements: { fanout: AnnouncementFanout | undefined; clock: () => Date }
  }
}

/** The background fan-out of due announcements; the routes wake it when one is created. */
export default fp<{ config: Config; run: boolean; clock: () => Date }>(
  async (app, { config, run, clock }) => {
    const fanout = run
      ? new AnnouncementFanout({
          db: app.db,
          batchSize: config.announcementBatchSize,
          pollMs: config.announcementPollMs,
          clock,
          log: app.log.child({ component: 'announcements' }),
          onBatch: () => {
            // Their emails and pushes are queued: no need to wait for the dispatchers' next poll.
            app.deliveries.wake('email')
            app.deliveries.wake('push')
          },
        })
      : undefined
    app.decorate('announcements', { fanout, clock })
    if (fanout) {
      app.addHook('onReady', async () => fanout.start())
      closeOnShutdown(app, 'preClose', 'announcement fan-out', () => fanout.stop())
    }
  },
  { name: 'announcements', dependencies: ['database', 'deliveries'] },
)
