import closeWithGrace from 'close-with-grace'
import { type AppConfig, buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { startEmbeddedDatabase } from './embedded/embedded-database.js'

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(1)
    }
    throw err
  }

  const embedded = config.databaseUrl ? undefined : await startEmbeddedDatabase(config.dataDir)
  const appConfig: AppConfig = { ...config, databaseUrl: config.databaseUrl ?? embedded!.url }
  const app = await buildApp(appConfig)
  if (embedded) app.addHook('onClose', async () => embedded.stop())

  const embeddedParts = [
    embedded && `PostgreSQL embedded in ${config.dataDir}`,
    !config.amqpUrl && 'no broker (events over POST /v1/events only)',
    !config.smtpUrl && `emails written to ${config.dataDir}/mail as .eml files`,
    !config.sms.url && config.env !== 'production' && `SMS written to ${config.dataDir}/sms as text files`,
  ].filter(Boolean)
  if (embeddedParts.length > 0) app.log.info(`Embedded mode: ${embeddedParts.join('; ')}. Set DATABASE_URL, AMQP_URL and SMTP_URL to use real services.`)

  // SIGTERM/SIGINT: stop consuming, finish what is in flight, close HTTP, broker and database.
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an unexpected error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })

  await app.listen({ port: config.port, host: config.host })
}

main().catch((err: unknown) => {
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
