import fp from 'fastify-plugin'
import type { Notification } from 'pg'
import { LiveHub } from '../live/live-hub.js'
import { NotificationListener } from '../live/notification-channel.js'
import { ReadCache } from '../notifications/read-cache.js'

declare module 'fastify' {
  interface FastifyInstance {
    liveHub: LiveHub
    notificationListener: NotificationListener
    readCache: ReadCache
  }
}

export default fp<{ databaseUrl: string; listen: boolean }>(
  async (app, { databaseUrl, listen }) => {
    const log = app.log.child({ component: 'live' })
    const listener = new NotificationListener(databaseUrl, log)
    const hub = new LiveHub(app.db, listener, app.metrics, log)
    app.dbNotifications.on('notification', (message: Notification) => listener.receive(message))
    app.decorate('notificationListener', listener)
    app.decorate('liveHub', hub)
    app.decorate('readCache', new ReadCache({ db: app.db, listener, metrics: app.metrics }))
    if (listen) app.addHook('onReady', async () => listener.start())
    // Open streams would keep the HTTP server from closing.
    app.addHook('preClose', async () => hub.closeAll())
    app.addHook('onClose', async () => listener.stop())
  },
  { name: 'live-updates', dependencies: ['database', 'metrics'] },
)
