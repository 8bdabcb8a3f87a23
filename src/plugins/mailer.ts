import { join } from 'node:path'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { EmailDispatcher } from '../email/email-dispatcher.js'
import { type MailTransport, fileTransport, smtpTransport } from '../email/mail-transport.js'
import { type EmailRenderer, createEmailRenderer } from '../email/render-email.js'
import { templatesDir } from '../paths.js'

declare module 'fastify' {
  interface FastifyInstance {
    emailDispatcher: EmailDispatcher
    emailRenderer: EmailRenderer
    mailTransport: MailTransport
  }
}

export interface MailerPluginOptions {
  config: Config
  /** Whether this instance sends emails; an API-only replica can leave it to others. */
  send: boolean
}

export default fp<MailerPluginOptions>(
  async (app, { config, send }) => {
    const transport = config.smtpUrl ? smtpTransport(config.smtpUrl, config.email.concurrency) : fileTransport(join(config.dataDir, 'mail'))
    const renderer = createEmailRenderer(templatesDir)
    const dispatcher = new EmailDispatcher({
      db: app.db,
      transport,
      renderer,
      delivery: config.email,
      mailFrom: config.mailFrom,
      appUrl: config.appUrl,
      publicUrl: config.publicUrl,
      unsubscribeSecret: config.unsubscribeSecret,
      metrics: app.metrics,
      log: app.log.child({ component: 'email' }),
    })
    app.decorate('emailDispatcher', dispatcher)
    app.decorate('emailRenderer', renderer)
    app.decorate('mailTransport', transport)
    if (send) app.addHook('onReady', async () => dispatcher.start())
    app.addHook('onClose', async () => {
      await dispatcher.stop()
      transport.close()
    })
  },
  { name: 'mailer', dependencies: ['database', 'metrics'] },
)
