import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { decodeBase64Url, isP256Point } from '../delivery/web-push/vapid-keys.js'
import { ForbiddenAddressError, PUSH_ENDPOINTS, resolveWebhookTarget } from '../delivery/webhook/address-guard.js'
import { deleteUserSubscription, listSubscriptions, saveSubscription } from '../delivery/web-push/subscription-store.js'
import { HttpError, badRequest, notFound } from '../http-errors.js'
import { publicDir } from '../paths.js'
import { BearerAuth, errors } from '../schemas/common.js'
import { PublicKey, PushSubscriptionBody, PushSubscriptionList, SubscriptionCreated, SubscriptionId } from '../schemas/push.js'

const tags = ['push']

const pushOff = () => new HttpError(404, 'Web Push is not configured on this server (WEB_PUSH_PUBLIC_KEY)')

/** base64url of exactly `length` bytes, else a 400 naming the field. */
function key(value: string, field: string, length: number, what: string): string {
  const bytes = decodeBase64Url(value)
  if (!bytes || bytes.length !== length) badRequest(`body/keys/${field}: must be base64url of ${length} bytes (${what})`)
  return bytes!.toString('base64url')
}

const pushRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const vapid = app.config.webPush
  if (!vapid) app.log.warn('Web Push is off: WEB_PUSH_PUBLIC_KEY and WEB_PUSH_PRIVATE_KEY are not set, so no push messages are sent')

  app.get('/v1/push/public-key', { schema: { tags, summary: 'The VAPID public key browsers subscribe with (no auth)', response: { 200: PublicKey, 404: { $ref: 'ErrorResponse#', description: 'Web Push is off on this server (no VAPID keys)' } } } }, async () => {
    if (!vapid) throw pushOff()
    return { publicKey: vapid.publicKey }
  })

  // The sample service worker, from this origin for a quick try; a frontend serves its own copy.
  const serviceWorker = await readFile(join(publicDir, 'sw.js'), 'utf8')
  app.get('/sw.js', { schema: { hide: true } }, async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(serviceWorker))

  // The subscription calls are the caller's own; the public key and the worker are not.
  const onRequest = app.authenticate

  app.post(
    '/v1/push/subscriptions',
    {
      onRequest,
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: "Subscribes this browser to the caller's push messages",
        description:
          'Takes `PushSubscription.toJSON()`. The same endpoint again answers the same id (its keys are updated); an endpoint a different user subscribed before becomes the caller\'s. An endpoint whose host is or resolves to a loopback, private, link-local or metadata address is refused with 400 (unless listed in PUSH_ALLOWED_HOSTS).',
        security: BearerAuth,
        body: PushSubscriptionBody,
        response: { 201: SubscriptionCreated, ...errors(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      if (!vapid) throw pushOff()
      const { endpoint, keys } = request.body
      let url: URL | undefined
      try {
        url = new URL(endpoint)
      } catch {
        // reported below
      }
      if (url?.protocol !== 'https:') badRequest('body/endpoint: must be an https URL (a push service endpoint)')
      try {
        await resolveWebhookTarget(url!.hostname, app.config.pushEndpoints, PUSH_ENDPOINTS)
      } catch (err) {
        if (err instanceof ForbiddenAddressError) badRequest(`body/endpoint: ${err.message}`)
        // A host that does not resolve now is taken: every send checks the address it connects to.
      }
      const p256dh = key(keys.p256dh, 'p256dh', 65, 'an uncompressed P-256 public key')
      if (!isP256Point(Buffer.from(p256dh, 'base64url'))) badRequest('body/keys/p256dh: is not a point on the P-256 curve')
      const auth = key(keys.auth, 'auth', 16, 'the auth secret')
      const id = await saveSubscription(app.db, request.user.sub, { endpoint, p256dh, auth })
      return reply.code(201).send({ id })
    },
  )

  app.get('/v1/push/subscriptions', { onRequest, schema: { tags, summary: "The caller's push subscriptions, oldest first", security: BearerAuth, response: { 200: PushSubscriptionList, ...errors(401, 429) } } }, async (request) => {
    const rows = await listSubscriptions(app.db, request.user.sub)
    return { items: rows.map((r) => ({ id: r.id, endpoint: r.endpoint, createdAt: new Date(r.created_at).toISOString() })) }
  })

  app.delete(
    '/v1/push/subscriptions/:id',
    { onRequest, schema: { tags, summary: 'Unsubscribes one of the caller\'s browsers', security: BearerAuth, params: SubscriptionId, response: { 204: Type.Null({ description: 'Deleted' }), ...errors(401, 404, 429) } } },
    async (request, reply) => {
      if (!(await deleteUserSubscription(app.db, request.user.sub, request.params.id))) notFound('push subscription')
      return reply.code(204).send(null)
    },
  )
}

export default pushRoutes
