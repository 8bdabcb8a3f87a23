import fp from 'fastify-plugin'
import type { Notification } from 'pg'
import { pruneChangeLog } from '../live/change-log.js'
import { LiveHub } from '../live/live-hub.js'
import { NotificationListener } from '../live/notification-channel.js'
import { ReadCache } from '../live/read-cache.js'
import { closeOnShutdown } from '../shutdown-step.js'

declare module 'fastify' {
  interface FastifyInstance {
    liveHub: LiveHub
    notificationListener: NotificationListener
    readCache: ReadCache
  }
}

const PRUNE_EVERY_MS = 10 * 60_000

/** The change feed: the LISTEN connection, the read cache and the live hub it feeds. */
export default fp<{ databaseUrl: string; listen: boolean; heartbeatMs: number }>(
  async (app, { databaseUrl, listen, heartbeatMs }) => {
    const log = app.log.child({ component: 'live' })
    const listener = new NotificationListener(databaseUrl, log)
    const hub = new LiveHub({
      db: app.db,
      listener,
      metrics: app.metrics,
      log,
      heartbeatMs,
      maxStreams: app.config.sseMaxStreams,
      maxStreamsPerUser: app.config.sseMaxStreamsPerUser,
    })
    app.dbNotifications.on('notification', (message: Notification) => listener.receive(message))
    app.decorate('notificationListener', listener)
    app.decorate('liveHub', hub)
    app.decorate('readCache', new ReadCache({ db: app.db, listener, metrics: app.metrics }))
    if (listen) {
      app.addHook('onReady', async () => listener.start())
      // Every replica prunes; the deletes are bounded and harmless to run twice.
      const prune = setInterval(() => {
        pruneChangeLog(app.db).catch((err: unknown) => log.warn({ err }, 'pruning the change log failed; next run retries'))
      }, PRUNE_EVERY_MS)
      prune.unref()
      app.addHook('onClose', async () => clearInterval(prune))
    }
    // Open streams would keep the HTTP server from closing.
    closeOnShutdown(app, 'preClose', 'live streams', () => hub.closeAll())
    closeOnShutdown(app, 'onClose', 'notification listener', () => listener.stop())
  },
  { name: 'live-updates', dependencies: ['database', 'metrics'] },
)
