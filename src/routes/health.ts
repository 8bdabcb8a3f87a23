import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import Type from 'typebox'

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
})

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health/live', { logLevel: 'warn', schema: { tags: ['health'], summary: 'The process is running', response: { 200: Health } } }, async () => ({ status: 'ok' as const }))

  app.get(
    '/health/ready',
    {
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'The database (and the broker, when configured) can be used',
        response: { 200: Health, 503: { ...Health, description: 'Something is not usable; checks say what' } },
      },
    },
    async (request, reply) => {
      const checks: Record<string, string> = {}
      try {
        await sql`SELECT 1`.execute(app.db)
        checks.database = 'ok'
      } catch (err) {
        // Anyone may call this: it says which part is down; why (driver errors name hosts
        // and roles) goes to the log.
        checks.database = 'unreachable'
        request.log.warn({ err }, 'readiness: database unreachable')
      }
      if (app.amqpConsumer) {
        checks.broker = app.amqpConsumer.brokerStatus
        // Connected is not enough: a consumer that holds messages and settles none is down too.
        checks.consumer = app.amqpConsumer.consumerStatus
      }
      const ok = Object.values(checks).every((v) => v === 'ok')
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks })
    },
  )
}

export default healthRoutes
