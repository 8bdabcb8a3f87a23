import fp from 'fastify-plugin'
import type { AppConfig } from '../app.js'
import { PublishedTemplates } from '../email/published-templates.js'
import { type EmailRenderer, createEmailRenderer } from '../email/render-email.js'
import { templatesDir } from '../paths.js'
import { closeOnShutdown } from '../shutdown-step.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The email templates: files in templates/, replaced by what operators published. */
    emailTemplates: { renderer: EmailRenderer; published: PublishedTemplates }
  }
}

export interface EmailTemplatesPluginOptions {
  config: AppConfig
  /** Load the published versions and follow publishes on every replica (LISTEN); off for tooling, which renders from the files and runs no query. */
  follow: boolean
}

/** The renderer every email goes through, and this replica's cache of the published template versions. */
export default fp<EmailTemplatesPluginOptions>(
  async (app, { config, follow }) => {
    const published = new PublishedTemplates({
      db: app.db,
      databaseUrl: config.databaseUrl,
      log: app.log.child({ component: 'templates' }),
      compile: (template, lang, source) => renderer.check(template, lang, source),
    })
    const renderer = createEmailRenderer(templatesDir, published)
    app.decorate('emailTemplates', { renderer, published })
    // Before the deliveries start (their onReady comes later): no email renders from a cold cache.
    if (follow) app.addHook('onReady', async () => published.start(true))
    closeOnShutdown(app, 'onClose', 'template listener', () => published.stop())
  },
  { name: 'email-templates', dependencies: ['database'] },
)
