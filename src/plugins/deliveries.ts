import fp from 'fastify-plugin'
import type { AppConfig } from '../app.js'
import { CHANNEL_FACTORIES } from '../delivery/channels.js'
import { DeliveryPipeline } from '../delivery/delivery-pipeline.js'
import { type EmailChannel } from '../delivery/email/index.js'
import type { EmailRenderer } from '../email/render-email.js'
import { closeOnShutdown } from '../shutdown-step.js'

declare module 'fastify' {
  interface FastifyInstance {
    deliveries: DeliveryPipeline
    /** The email channel's renderer, for the development preview of every template. */
    emailRenderer: EmailRenderer
  }
}

export interface DeliveriesPluginOptions {
  config: AppConfig
  /** Whether this instance sends deliveries; an API-only replica can leave it to others. */
  send: boolean
  /** The app's clock, when it has one of its own (tests); else the database decides what is due. */
  clock?: () => Date
}

/** The delivery pipeline with every registered channel; sends only where `send` is on. */
export default fp<DeliveriesPluginOptions>(
  async (app, { config, send, clock }) => {
    const log = app.log.child({ component: 'delivery' })
    const channels = CHANNEL_FACTORIES.map((create) => create({ config, db: app.db, log, metrics: app.metrics, emailRenderer: app.emailTemplates.renderer }))
    const pipeline = new DeliveryPipeline({
      db: app.db,
      databaseUrl: config.databaseUrl,
      channels,
      settings: config.email,
      livenessTimeoutMs: config.email.livenessTimeoutMs,
      metrics: app.metrics,
      log,
      clock,
    })
    app.decorate('deliveries', pipeline)
    app.decorate('emailRenderer', (pipeline.channel('email') as EmailChannel).renderer)
    if (send) app.addHook('onReady', async () => pipeline.start())
    closeOnShutdown(app, 'onClose', 'delivery dispatchers', async () => {
      await pipeline.stop()
      await Promise.all(channels.map((c) => c.close()))
    })
  },
  { name: 'deliveries', dependencies: ['database', 'metrics', 'email-templates'] },
)
