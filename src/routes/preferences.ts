import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ALWAYS_EMAILED, type NotificationType } from '../domain/notification-types.js'
import { type ChannelPreference, getPreferences, updatePreferences } from '../notifications/preference-store.js'
import { badRequest } from '../http-errors.js'
import { BearerAuth, errors } from '../schemas/common.js'
import { PreferenceChanges, Preferences } from '../schemas/notification.js'

const tags = ['preferences']

const preferenceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.get('/v1/preferences', { schema: { tags, summary: "The caller's channels per notification type (all on by default)", security: BearerAuth, response: { 200: Preferences, ...errors(401, 429) } } }, async (request) =>
    getPreferences(app.db, request.user.sub),
  )

  app.put(
    '/v1/preferences',
    {
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Change some channels; answers the full map',
        description: 'The welcome email cannot be turned off: it carries credentials or an activation link.',
        security: BearerAuth,
        body: PreferenceChanges,
        response: { 200: Preferences, ...errors(400, 401, 429) },
      },
    },
    async (request) => {
      const changes = request.body as Partial<Record<NotificationType, Partial<ChannelPreference>>>
      for (const type of ALWAYS_EMAILED) {
        if (changes[type]?.email === false) badRequest(`body/${type}/email: the ${type} email cannot be turned off`)
      }
      return updatePreferences(app.db, request.user.sub, changes)
    },
  )
}

export default preferenceRoutes
