import { STATUS_CODES } from 'node:http'
import { join } from 'node:path'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import { Ajv } from 'ajv'
import addFormatsPlugin from 'ajv-formats'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'
import { isDateTime } from './domain/date-time.js'
import { unstorableInputProblem } from './domain/storable-input.js'
import { isDataException, isUnreachable } from './db/errors.js'
import { loggerOptions } from './logger.js'
import { clientDistDir } from './paths.js'
import { ErrorResponse } from './schemas/common.js'
import { Notification } from './schemas/notification.js'
import auth from './plugins/auth.js'
import database from './plugins/database.js'
import ingest from './plugins/ingest.js'
import retention from './plugins/retention.js'
import scheduler from './plugins/scheduler.js'
import stats from './plugins/stats.js'
import liveUpdates from './plugins/live-updates.js'
import deliveries from './plugins/deliveries.js'
import emailTemplates from './plugins/email-templates.js'
import metrics from './plugins/metrics.js'
import announcements from './plugins/announcements.js'
import adminRoutes from './routes/admin.js'
import adminPageRoute from './routes/admin-page.js'
import adminStatsRoutes from './routes/admin-stats.js'
import adminAnnouncementRoutes from './routes/admin-announcements.js'
import adminReminderRoutes from './routes/admin-reminders.js'
import adminWebhookRoutes from './routes/admin-webhooks.js'
import adminTemplateRoutes from './routes/admin-templates.js'
import clientAssetRoutes from './routes/client-assets.js'
import eventRoutes from './routes/events.js'
import healthRoutes from './routes/health.js'
import notificationOpenRoute from './routes/notification-open.js'
import notificationStreamRoute from './routes/notification-stream.js'
import notificationRoutes from './routes/notifications.js'
import preferenceRoutes from './routes/preferences.js'
import pushRoutes from './routes/push.js'
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
  /** Fastify's requestTimeout and connectionTimeout (tests shorten them). */
  requestTimeoutMs?: number
  connectionTimeoutMs?: number
  /**
   * A clock of the app's own for time-based planning and for what is due (quiet hours,
   * digests): tests move it instead of sleeping. Default: the system clock for planning,
   * the database's for what is due; the scheduler's and announcements' send times too.
   */
  clock?: () => Date
}

const VERSION = '0.1.0'
// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv

export async function buildApp(config: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger ?? loggerOptions(config.logLevel)
  const isInstance = typeof logger === 'object' && logger !== null && 'child' in logger && typeof logger.child === 'function'
  const app = Fastify({
    ...(isInstance ? { loggerInstance: logger as FastifyServerOptions['loggerInstance'] } : { logger: logger as FastifyServerOptions['logger'] }),
    requestIdHeader: 'x-request-id',
    bodyLimit: 1024 * 1024,
    // Client addresses (rate limits, logs) come from X-Forwarded-For only through these proxies.
    // A hop count as a function: Fastify supports numbers, but its types do not say so.
    trustProxy: typeof config.trustProxy === 'number' ? (_address: string, hop: number) => hop < (config.trustProxy as number) : (config.trustProxy ?? false),
    // A client has this long to send its whole request (headers and body): a slow body
    // cannot hold a socket. Node counts it up to the end of the request only, so a long
    // response such as an SSE stream is not cut by it.
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    // Also given to the server at creation: set only afterwards (as Fastify does), Node 20
    // never cut a slow body (measured). Node looks every 30 s by default; 5 s at most here.
    http: { requestTimeout: options.requestTimeoutMs ?? 30_000, connectionsCheckingInterval: Math.min(5_000, Math.ceil((options.requestTimeoutMs ?? 30_000) / 2)) },
    // Idle sockets are closed after this; an SSE stream writes a heartbeat more often.
    connectionTimeout: options.connectionTimeoutMs ?? 120_000,
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Query strings and params arrive as text, so their numbers are coerced; JSON bodies are
  // typed already and are taken as they are ("ids": "x" is not quietly turned into ["x"]).
  const lenient = addFormats(new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false }))
  const strict = addFormats(new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false }))
  // One date validator everywhere: ajv-formats' date-time takes 23:59:60, which Date cannot hold.
  for (const ajv of [lenient, strict]) ajv.addFormat('date-time', isDateTime)
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema))

  // Text PostgreSQL refuses (NUL, lone surrogates) and absurd nesting are refused for every
  // route, before its schema and handler: a 400 naming the field, never an insert that fails.
  // Callback style: no promise per request on the hot read paths.
  app.addHook('preValidation', (request, _reply, done) => {
    for (const [part, value] of [['body', request.body], ['query', request.query], ['params', request.params]] as const) {
      const problem = unstorableInputProblem(value)
      if (problem) return done(Object.assign(new Error(`${part === 'body' ? '' : `${part}: `}${problem}`), { statusCode: 400 }))
    }
    done()
  })

  app.decorate('config', config)

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500
    if (status < 500) {
      return reply.code(status).send({ statusCode: status, code: error.code, error: STATUS_CODES[status] ?? 'Error', message: error.message })
    }
    if (isDataException(error)) {
      // A data exception (bad encoding, value out of range) is the input's fault. The message
      // is generic: PostgreSQL's own may quote the value.
      request.log.warn({ err: error }, 'input refused by the database')
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'the request holds a value the database cannot store (invalid text or a number or date out of range)' })
    }
    if (isUnreachable(error)) {
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
        { name: 'push', description: 'Web Push subscriptions of a user\'s browsers' },
        { name: 'unsubscribe', description: 'One-click unsubscribe from email links' },
        { name: 'events', description: 'Event ingest over HTTP' },
        { name: 'operators', description: 'Email delivery, for operators' },
        { name: 'templates', description: 'Email templates edited by operators: drafts, versions, preview' },
        { name: 'health', description: 'Liveness, readiness and metrics' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  // Bearer tokens, not cookies: no credentials mode. No origins listed: no CORS headers at all.
  await app.register(cors, { origin: config.corsOrigins.length > 0 ? config.corsOrigins : false, exposedHeaders: ['retry-after'], maxAge: 600 })

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
  await app.register(liveUpdates, { databaseUrl: config.databaseUrl, listen: workers, heartbeatMs: options.sseHeartbeatMs ?? 20_000 })
  await app.register(emailTemplates, { config, follow: workers })
  await app.register(deliveries, { config, send: workers && config.email.dispatch && (options.sendEmails ?? true), clock: options.clock })
  await app.register(ingest, { config, consume: workers && (options.consume ?? true), clock: options.clock })
  await app.register(retention, { config, run: workers })
  await app.register(stats, { config, run: workers })
  const clock = options.clock ?? (() => new Date())
  await app.register(announcements, { config, run: workers, clock })
  await app.register(scheduler, { config, run: workers, clock })

  await app.register(healthRoutes)
  await app.register(eventRoutes)
  await app.register(notificationRoutes)
  await app.register(notificationOpenRoute)
  await app.register(notificationStreamRoute, { heartbeatMs: options.sseHeartbeatMs ?? 20_000 })
  await app.register(preferenceRoutes)
  await app.register(pushRoutes)
  await app.register(unsubscribeRoutes)
  await app.register(adminRoutes)
  await app.register(adminWebhookRoutes)
  await app.register(adminTemplateRoutes)
  await app.register(adminStatsRoutes)
  await app.register(adminAnnouncementRoutes)
  await app.register(adminReminderRoutes)
  await app.register(clientAssetRoutes, { dir: options.clientDir ?? clientDistDir, config })
  await app.register(adminPageRoute)
  // Development only: test and staging instances answer like production.
  if (config.env === 'development') {
    // Imported here, not at the top: the email preview's parser (mailparser, with its charset
    // tables and HTML parser) is megabytes of heap that a production instance never uses.
    const [{ default: devEmailRoutes }, { default: devPushRoutes }] = await Promise.all([import('./routes/dev-emails.js'), import('./routes/dev-push.js')])
    await app.register(devEmailRoutes, { mailDir: join(config.dataDir, 'mail'), appUrl: config.appUrl, publicUrl: config.publicUrl, unsubscribeSecret: config.unsubscribeSecret })
    await app.register(devPushRoutes, { dir: join(config.dataDir, 'push'), publicUrl: config.publicUrl })
  }

  return app
}
