import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { ForbiddenAddressError, resolveWebhookTarget } from '../delivery/webhook/address-guard.js'
import { type WebhookEndpoint, createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, rotateSecret } from '../delivery/webhook/endpoint-store.js'
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../domain/webhook-events.js'
import { badRequest, notFound } from '../http-errors.js'
import { BearerAuth, NullableString, errors } from '../schemas/common.js'

const tags = ['operators']

const EventType = Type.Unsafe<WebhookEventType>({ type: 'string', enum: [...WEBHOOK_EVENT_TYPES], description: 'Webhook event type' })
const EndpointId = Type.Object({ id: Type.String({ maxLength: 100 }) })

const Endpoint = Type.Object({
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  events: Type.Array(EventType),
  description: Type.String(),
  enabled: Type.Boolean(),
  disabledReason: NullableString({ description: 'Why the endpoint was disabled (410 Gone, failing for 5 days)' }),
  disabledAt: NullableString({ format: 'date-time' }),
  failingSince: NullableString({ format: 'date-time', description: 'First failed call since the last success; disabled after 5 days' }),
  lastSuccessAt: NullableString({ format: 'date-time' }),
  previousSecretExpiresAt: NullableString({ format: 'date-time', description: 'Until then, calls also carry a signature with the secret before the last rotation' }),
  createdAt: Type.String({ format: 'date-time' }),
})

const Secret = Type.Object({
  id: Type.String({ format: 'uuid' }),
  secret: Type.String({ description: 'whsec_ + base64 key; shown only in this answer' }),
})

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())

function toEndpoint(row: WebhookEndpoint) {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookEventType[],
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    failingSince: iso(row.failing_since),
    lastSuccessAt: iso(row.last_success_at),
    previousSecretExpiresAt: iso(row.previous_secret_expires_at),
    createdAt: iso(row.created_at) as string,
  }
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)

const adminWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', app.requireRole('notifications:admin'))

  app.post(
    '/v1/admin/webhooks',
    {
      schema: {
        tags,
        summary: 'Register a webhook endpoint; the answer carries its signing secret, once',
        security: BearerAuth,
        body: Type.Object(
          {
            url: Type.String({ maxLength: 2000, description: 'http(s) URL; in production it must resolve to a public address' }),
            events: Type.Array(EventType, { minItems: 1, uniqueItems: true }),
            description: Type.String({ maxLength: 500, default: '' }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Secret, ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const { events, description } = request.body
      let url: URL
      try {
        url = new URL(request.body.url)
      } catch {
        return badRequest('body/url is not a URL')
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') badRequest(`body/url must be http or https (got ${url.protocol})`)
      if (url.username || url.password) badRequest('body/url must not carry credentials; verify calls with the signature instead')
      try {
        await resolveWebhookTarget(url.hostname, app.config.webhooks)
      } catch (err) {
        // Only refused in production; in development an unresolvable host may come up later.
        if (err instanceof ForbiddenAddressError) badRequest(`body/url: ${err.message}`)
        if (app.config.webhooks.blockPrivateAddresses) badRequest(`body/url: cannot resolve ${url.hostname}`)
      }
      const { endpoint, secret } = await createEndpoint(app.db, { url: url.toString(), events, description })
      request.log.info({ endpointId: endpoint.id, events }, 'webhook endpoint registered')
      return reply.code(201).send({ id: endpoint.id, secret })
    },
  )

  app.get(
    '/v1/admin/webhooks',
    {
      schema: { tags, summary: 'Webhook endpoints, newest first (never their secrets)', security: BearerAuth, response: { 200: Type.Object({ items: Type.Array(Endpoint) }), ...errors(401, 403, 429) } },
    },
    async () => ({ items: (await listEndpoints(app.db)).map(toEndpoint) }),
  )

  app.get(
    '/v1/admin/webhooks/:id',
    { schema: { tags, summary: 'One webhook endpoint, with why it was disabled', security: BearerAuth, params: EndpointId, response: { 200: Endpoint, ...errors(401, 403, 404, 429) } } },
    async (request) => {
      const row = isUuid(request.params.id) ? await getEndpoint(app.db, request.params.id) : undefined
      return row ? toEndpoint(row) : notFound('webhook endpoint')
    },
  )

  app.delete(
    '/v1/admin/webhooks/:id',
    { schema: { tags, summary: 'Remove a webhook endpoint; its pending calls fail', security: BearerAuth, params: EndpointId, response: { 204: Type.Null({ description: 'Deleted' }), ...errors(401, 403, 404, 429) } } },
    async (request, reply) => {
      if (!isUuid(request.params.id) || !(await deleteEndpoint(app.db, request.params.id))) return notFound('webhook endpoint')
      request.log.info({ endpointId: request.params.id }, 'webhook endpoint deleted')
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/v1/admin/webhooks/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'A new signing secret; the old one keeps signing alongside it for 24 h',
        security: BearerAuth,
        params: EndpointId,
        response: { 200: Type.Object({ ...Secret.properties, previousSecretExpiresAt: Type.String({ format: 'date-time' }) }), ...errors(401, 403, 404, 429) },
      },
    },
    async (request) => {
      const rotated = isUuid(request.params.id) ? await rotateSecret(app.db, request.params.id) : undefined
      if (!rotated) return notFound('webhook endpoint')
      request.log.info({ endpointId: rotated.endpoint.id }, 'webhook secret rotated')
      return { id: rotated.endpoint.id, secret: rotated.secret, previousSecretExpiresAt: iso(rotated.endpoint.previous_secret_expires_at) as string }
    },
  )
}

export default adminWebhookRoutes
