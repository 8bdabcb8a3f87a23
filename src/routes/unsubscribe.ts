import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { ALWAYS_EMAILED, isNotificationType } from '../domain/notification-types.js'
import { verifyUnsubscribeToken } from '../email/unsubscribe-token.js'
import { HALL_ALERT_TYPES, badLinkPage, confirmPage, donePage, pageLocale } from '../email/unsubscribe-page.js'
import { updatePreferences } from '../notifications/preference-store.js'
import { badRequest } from '../http-errors.js'
import { errors } from '../schemas/common.js'

const tags = ['unsubscribe']
const Query = Type.Object({
  // Optional in the schema so that a link without one gets the page that says so, not a JSON error.
  token: Type.Optional(Type.String({ maxLength: 1000, description: 'The signed token from the email' })),
  scope: Type.Optional(Type.Literal('all', { description: "`all`: for a hall admin's alert, every hall alert type at once" })),
})
const BAD_TOKEN = 'this unsubscribe link is not valid (it may have been altered)'
// Unauthenticated: limited per client address (behind a proxy, set TRUST_PROXY so that is the client's, not the proxy's).
const limited = { rateLimit: { max: 30, timeWindow: '1 minute' } }

const unsubscribeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // RFC 8058: mail clients POST "List-Unsubscribe=One-Click" as a form; its content is not needed.
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 4096 }, (_req, _body, done) => done(null, undefined))

  /** The token's claim when it may switch an email type off. */
  const claimOf = (token: string | undefined) => {
    const claim = token ? verifyUnsubscribeToken(token, app.config.unsubscribeSecret) : undefined
    return claim && isNotificationType(claim.type) && !ALWAYS_EMAILED.has(claim.type) ? { ...claim, type: claim.type } : undefined
  }
  // A string with its own content type is sent as it is, not through the JSON schema.
  const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body as never)

  app.get(
    '/v1/unsubscribe',
    {
      config: limited,
      schema: {
        tags,
        summary: 'A page that asks to confirm (opening a link never unsubscribes: link scanners open links)',
        description: "In the recipient's language (from the token, else Accept-Language). A hall admin's alert also offers every hall alert at once. A bad link gets a page saying so, with status 400.",
        querystring: Query,
        produces: ['text/html'],
        response: { 200: { type: 'string', description: 'HTML page with a confirm button' }, 400: { type: 'string', description: 'HTML page: the link is not valid' }, ...errors(429) },
      },
    },
    async (request, reply) => {
      const claim = claimOf(request.query.token)
      const locale = pageLocale(claim?.locale, request.headers['accept-language'])
      if (!claim) return html(reply, 400, badLinkPage(locale))
      return html(reply, 200, confirmPage(locale, claim.type, request.query.token!))
    },
  )

  app.post(
    '/v1/unsubscribe',
    {
      config: limited,
      schema: {
        tags,
        summary: "One-click unsubscribe (RFC 8058): turns this email type off for the token's user",
        description: 'With `scope=all` on a hall alert, every hall alert type. JSON, or an HTML page for a browser (Accept: text/html), errors included.',
        querystring: Query,
        response: {
          200: Type.Object(
            { unsubscribed: Type.Boolean(), type: Type.String(), types: Type.Array(Type.String(), { description: 'Every email type turned off' }) },
            { description: 'JSON, or an HTML confirmation for browsers' },
          ),
          ...errors(400, 429),
        },
      },
    },
    async (request, reply) => {
      const claim = claimOf(request.query.token)
      const browser = request.headers.accept?.includes('text/html') === true
      const locale = pageLocale(claim?.locale, request.headers['accept-language'])
      if (!claim) return browser ? html(reply, 400, badLinkPage(locale)) : badRequest(BAD_TOKEN)
      const all = request.query.scope === 'all' && HALL_ALERT_TYPES.includes(claim.type)
      const types = all ? HALL_ALERT_TYPES.filter(isNotificationType) : [claim.type]
      await updatePreferences(app.db, claim.userId, Object.fromEntries(types.map((type) => [type, { email: false }])))
      request.log.info({ types }, 'email types unsubscribed')
      if (browser) return html(reply, 200, donePage(locale, claim.type, all))
      return { unsubscribed: true, type: claim.type, types }
    },
  )
}

export default unsubscribeRoutes
