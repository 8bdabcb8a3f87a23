import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { verifyNotificationOpen } from '../email/open-link.js'
import { getNotificationWithOwner, setRead } from '../notifications/notification-store.js'
import { badRequest } from '../http-errors.js'
import { errors } from '../schemas/common.js'
import { NotificationId } from '../schemas/notification.js'

const Query = Type.Object({
  // Optional in the schema so that a link without one gets the same message as a bad one.
  sig: Type.Optional(Type.String({ maxLength: 200, description: 'The signature from the email link' })),
})
const BAD_LINK = 'this link is not valid (it may have been altered or cut short)'
// Unauthenticated: limited per client address, as the unsubscribe link is.
const limited = { rateLimit: { max: 60, timeWindow: '1 minute' } }

/**
 * The link in an email: no bearer token (the signed link is the credential), marks the
 * notification read and sends the browser on to where the notification leads.
 */
const notificationOpenRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/notifications/:id/open',
    {
      config: limited,
      schema: {
        tags: ['notifications'],
        summary: 'The link in an email: marks the notification read and redirects to it in the app',
        description:
          'No token: the signature (HMAC-SHA256 of the id, made when the email was sent) is the credential. Marks the notification read when it is unread (other tabs and streams see `notification-updated`), then 302 to its `url` under APP_URL; to APP_URL itself when the notification no longer exists. A missing or altered signature is a 400 and marks nothing. Mail scanners that open links mark it read too.',
        params: NotificationId,
        querystring: Query,
        response: { 302: { type: 'null', description: "Redirect to the notification's page in the app, or to the app when it no longer exists" }, ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const sig = request.query.sig
      if (!sig || !verifyNotificationOpen(id, sig, app.config.unsubscribeSecret)) return badRequest(BAD_LINK)
      const found = await getNotificationWithOwner(app.db, id)
      // Deleted or erased since the email went out: the app is still the right place to land.
      if (!found) return reply.redirect(app.config.appUrl, 302)
      if (!found.notification.readAt) {
        // The store function the API's "mark read" uses: the change feed announces it to every tab.
        await setRead(app.db, found.userId, id, true)
        app.readCache.invalidate([found.userId])
      }
      return reply.redirect(`${app.config.appUrl}${found.notification.url}`, 302)
    },
  )
}

export default notificationOpenRoute
