import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ALWAYS_EMAILED, type NotificationType } from '../domain/notification-types.js'
import { type PreferenceChange, getPreferences, getQuietHours, setQuietHours, updatePreferences } from '../notifications/preference-store.js'
import { isHallAdminType } from '../domain/digest.js'
import { type QuietHours as QuietHoursValue, quietHoursProblem } from '../domain/quiet-hours.js'
import { badRequest } from '../http-errors.js'
import { BearerAuth, errors } from '../schemas/common.js'
import { PreferenceChanges, Preferences, QuietHours } from '../schemas/notification.js'

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
      const changes = request.body as Partial<Record<NotificationType, PreferenceChange>>
      for (const type of ALWAYS_EMAILED) {
        if (changes[type]?.email === false) badRequest(`body/${type}/email: the ${type} email cannot be turned off`)
      }
      for (const [type, change] of Object.entries(changes)) {
        if (change?.digest !== undefined && !isHallAdminType(type)) badRequest(`body/${type}/digest: only hall-admin types (hall_booking_*) can be taken as a digest`)
      }
      return updatePreferences(app.db, request.user.sub, changes)
    },
  )

  app.get(
    '/v1/preferences/quiet-hours',
    { schema: { tags, summary: "The caller's quiet hours, or null", security: BearerAuth, response: { 200: QuietHours, ...errors(401, 429) } } },
    async (request) => getQuietHours(app.db, request.user.sub),
  )

  app.put(
    '/v1/preferences/quiet-hours',
    {
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Set the caller\'s quiet hours (null clears them); answers what is now set',
        description:
          'Email, push and SMS that are not urgent wait until the quiet hours end, read in your own time zone (else the hall\'s for booking messages, else UTC); in-app notifications are never held. A cancellation or change less than 24 h before the start goes at once.',
        security: BearerAuth,
        body: QuietHours,
        response: { 200: QuietHours, ...errors(400, 401, 429) },
      },
    },
    async (request) => {
      const quiet = request.body as QuietHoursValue | null
      const problem = quiet ? quietHoursProblem(quiet) : undefined
      if (problem) badRequest(`body/${problem}`)
      return setQuietHours(app.db, request.user.sub, quiet)
    },
  )
}

export default preferenceRoutes
