import closeWithGrace from 'close-with-grace'
import { type AppConfig, buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { describeDatabaseStartError } from './db/errors.js'
import { MigrationError } from './db/migrate.js'
import { startEmbeddedDatabase } from './embedded/embedded-database.js'
import { closeOnShutdown } from './shutdown-step.js'

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
  let app
  try {
    // The embedded database is one session: pglite-socket runs one connection's statements at
    // a time, and concurrent connections interleaving there showed stale reads. One pool
    // connection keeps the app's queries in order (liveness and LISTEN have their own).
    app = await buildApp(appConfig, embedded ? { databasePoolSize: 1 } : {})
  } catch (err) {
    await embedded?.stop()
    // Connecting and migrating happen while the app is built: say which setting to look at.
    if (err instanceof MigrationError) throw new Error(describeDatabaseStartError(err, config.databaseUrl), { cause: err })
    throw err
  }
  if (embedded) closeOnShutdown(app, 'onClose', 'embedded database', () => embedded.stop())

  for (const warning of config.warnings) app.log.warn(warning)
  if (!process.env.NODE_ENV?.trim()) app.log.warn('NODE_ENV is not set: running as development (generated secrets, /dev/emails served). Set NODE_ENV=production for a deployment.')

  // "Embedded" is said only of what runs inside this process; other missing services are
  // named with the variable that replaces their stand-in.
  const standIns: [string, string][] = []
  if (!config.amqpUrl) standIns.push(['no broker (events over POST /v1/events only)', 'AMQP_URL'])
  if (!config.smtpUrl) standIns.push([`emails written to ${config.dataDir}/mail as .eml files`, 'SMTP_URL'])
  if (!config.sms.url && config.env !== 'production') standIns.push([`SMS written to ${config.dataDir}/sms as text files`, 'SMS_URL'])
  const described = standIns.map(([what]) => what)
  const variables = [...(embedded ? ['DATABASE_URL'] : []), ...standIns.map(([, variable]) => variable)]
  const advice = variables.length > 0 ? ` Set ${variables.join(', ')} to use real services.` : ''
  if (embedded) app.log.info(`Embedded mode: ${[`PostgreSQL embedded in ${config.dataDir}`, ...described].join('; ')}.${advice}`)
  else if (described.length > 0) app.log.info(`PostgreSQL at DATABASE_URL; ${described.join('; ')}.${advice}`)

  // SIGTERM/SIGINT: stop consuming, finish what is in flight, close HTTP, broker and database.
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an unexpected error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })

  await app.listen({ port: config.port, host: config.host, backlog: config.listenBacklog })
}

main().catch((err: unknown) => {
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
