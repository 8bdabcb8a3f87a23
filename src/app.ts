import { STATUS_CODES } from 'node:http'
import { join } from 'node:path'
import rateLimit from '@fastify/rate-limit'
import { Ajv } from 'ajv'
import addFormatsPlugin from 'ajv-formats'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'
import { loggerOptions } from './logger.js'
import { clientDistDir } from './paths.js'
import { ErrorResponse } from './schemas/common.js'
import { Notification } from './schemas/notification.js'
import auth from './plugins/auth.js'
import database from './plugins/database.js'
import ingest from './plugins/ingest.js'
import retention from './plugins/retention.js'
import liveUpdates from './plugins/live-updates.js'
import deliveries from './plugins/deliveries.js'
import metrics from './plugins/metrics.js'
import adminRoutes from './routes/admin.js'
import clientAssetRoutes from './routes/client-assets.js'
import devEmailRoutes from './routes/dev-emails.js'
import eventRoutes from './routes/events.js'
import healthRoutes from './routes/health.js'
import notificationRoutes from './routes/notifications.js'
import preferenceRoutes from './routes/preferences.js'
import unsubscribeRoutes from './routes/unsubscribe.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig
  }
}

/** The configuration once the database is known (embedded mode has started it by now). */
export type AppConfig = Config & { databaseUrl: string }

export interface BuildOptions {
  /** A pino logger or logger options; defaults to JSON at the configured level. */
  logger?: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance']
  /** Consume from the broker when AMQP_URL is set (default true). */
  consume?: boolean
  /** Send emails from the outbox (default true). */
  sendEmails?: boolean
  /** Apply migrations while starting (default true). */
  migrate?: boolean
  /** Start nothing in the background (no consumer, mailer or listener): for tooling. */
  startWorkers?: boolean
  sseHeartbeatMs?: number
  /** Where the built inbox components are served from (default client/dist). */
  clientDir?: string
  databasePoolSize?: number
}

const VERSION = '0.1.0'
// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv

/** Errors from pg and the network that mean "the database cannot be used right now". */
function isUnavailable(err: { code?: string; message?: string }): boolean {
  return /^(08|57P|53)/.test(err.code ?? '') || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(err.code ?? '') || /Connection terminated|timeout exceeded when trying to connect/i.test(err.message ?? '')
}

export async function buildApp(config: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger ?? loggerOptions(config.logLevel)
  const isInstance = typeof logger === 'object' && logger !== null && 'child' in logger && typeof logger.child === 'function'
  const app = Fastify({
    ...(isInstance ? { loggerInstance: logger as FastifyServerOptions['loggerInstance'] } : { logger: logger as FastifyServerOptions['logger'] }),
    requestIdHeader: 'x-request-id',
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Query strings and params arrive as text, so their numbers are coerced; JSON bodies are
  // typed already and are taken as they are ("ids": "x" is not quietly turned into ["x"]).
  const lenient = addFormats(new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false }))
  const strict = addFormats(new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false }))
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema))

  app.decorate('config', config)

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500
    if (status < 500) {
      return reply.code(status).send({ statusCode: status, code: error.code, error: STATUS_CODES[status] ?? 'Error', message: error.message })
    }
    if (isUnavailable(error)) {
      request.log.error({ err: error }, 'database unavailable')
      return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'the database is unavailable; try again shortly' })
    }
    request.log.error({ err: error }, 'request failed')
    return reply.code(500).send({ statusCode: 500, error: 'Internal Server Error', message: 'something went wrong on our side' })
  })

  // Shared schemas become named components of the API description.
  app.addSchema(ErrorResponse)
  app.addSchema(Notification)

  await app.register(swagger, {
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'BookIT notifications',
        version: VERSION,
        description: 'In-app notifications and emails for BookIT: events in (RabbitMQ or HTTP), notifications, live updates, preferences and one-click unsubscribe out.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      tags: [
        { name: 'notifications', description: "A user's in-app notifications" },
        { name: 'preferences', description: 'Which channels a user gets, per type' },
        { name: 'unsubscribe', description: 'One-click unsubscribe from email links' },
        { name: 'events', description: 'Event ingest over HTTP' },
        { name: 'operators', description: 'Email delivery, for operators' },
        { name: 'health', description: 'Liveness, readiness and metrics' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  await app.register(rateLimit, {
    global: false,
    // After authentication, so a signed-in caller is limited by user, others by address.
    hook: 'preHandler',
    keyGenerator: (request) => (request.user?.sub ? `user:${request.user.sub}` : `ip:${request.ip}`),
  })

  await app.register(database, { url: config.databaseUrl, migrate: options.migrate ?? true, poolSize: options.databasePoolSize })
  await app.register(metrics)
  await app.register(auth, { config })
  const workers = options.startWorkers ?? true
  await app.register(liveUpdates, { databaseUrl: config.databaseUrl, listen: workers })
  await app.register(deliveries, { config, send: workers && config.email.dispatch && (options.sendEmails ?? true) })
  await app.register(ingest, { config, consume: workers && (options.consume ?? true) })
  await app.register(retention, { config, run: workers })

  await app.register(healthRoutes)
  await app.register(eventRoutes)
  await app.register(notificationRoutes, { heartbeatMs: options.sseHeartbeatMs ?? 20_000 })
  await app.register(preferenceRoutes)
  await app.register(unsubscribeRoutes)
  await app.register(adminRoutes)
  await app.register(clientAssetRoutes, { dir: options.clientDir ?? clientDistDir, config })
  if (config.env !== 'production') {
    await app.register(devEmailRoutes, { mailDir: join(config.dataDir, 'mail'), appUrl: config.appUrl, publicUrl: config.publicUrl, unsubscribeSecret: config.unsubscribeSecret })
  }

  return app
}
