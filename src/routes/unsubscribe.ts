import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { ALWAYS_EMAILED, isNotificationType } from '../domain/notification-types.js'
import { verifyUnsubscribeToken } from '../email/unsubscribe-token.js'
import { updatePreferences } from '../notifications/preference-store.js'
import { badRequest } from '../http-errors.js'
import { errors } from '../schemas/common.js'
import { escapeHtml } from '../html.js'

const tags = ['unsubscribe']
const Query = Type.Object({ token: Type.String({ minLength: 1, maxLength: 1000, description: 'The signed token from the email' }) })
const badToken = () => badRequest('this unsubscribe link is not valid (it may have been altered)')
// Unauthenticated: limited per client address (behind a proxy, set TRUST_PROXY so that is the client's, not the proxy's).
const limited = { rateLimit: { max: 30, timeWindow: '1 minute' } }


function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2937;background:#f3f4f6;margin:0;padding:24px}main{max-width:520px;margin:0 auto;background:#fff;border-radius:8px;padding:28px}button{font-size:16px;background:#1d4ed8;color:#fff;border:0;border-radius:6px;padding:12px 22px;cursor:pointer}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
}

const label = (type: string) => type.replace(/_/g, ' ')

const unsubscribeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // RFC 8058: mail clients POST "List-Unsubscribe=One-Click" as a form; its content is not needed.
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 4096 }, (_req, _body, done) => done(null, undefined))

  app.get(
    '/v1/unsubscribe',
    {
      config: limited,
      schema: {
        tags,
        summary: 'A page that asks to confirm (opening a link never unsubscribes: link scanners open links)',
        querystring: Query,
        produces: ['text/html'],
        response: { 200: { type: 'string', description: 'HTML page with a confirm button' }, ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      const claim = verifyUnsubscribeToken(request.query.token, app.config.unsubscribeSecret)
      if (!claim) return badToken()
      const action = `/v1/unsubscribe?token=${encodeURIComponent(request.query.token)}`
      return reply
        .type('text/html; charset=utf-8')
        .send(page('Unsubscribe', `<p>Stop emails about <strong>${escapeHtml(label(claim.type))}</strong>? You will still see them in BookIT.</p><form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`))
    },
  )

  app.post(
    '/v1/unsubscribe',
    {
      config: limited,
      schema: {
        tags,
        summary: 'One-click unsubscribe (RFC 8058): turns this email type off for the token\'s user',
        querystring: Query,
        response: {
          200: Type.Object({ unsubscribed: Type.Boolean(), type: Type.String() }, { description: 'JSON, or an HTML confirmation for browsers' }),
          ...errors(400, 429),
        },
      },
    },
    async (request, reply) => {
      const claim = verifyUnsubscribeToken(request.query.token, app.config.unsubscribeSecret)
      if (!claim || !isNotificationType(claim.type) || ALWAYS_EMAILED.has(claim.type)) return badToken()
      await updatePreferences(app.db, claim.userId, { [claim.type]: { email: false } })
      request.log.info({ type: claim.type }, 'email type unsubscribed')
      if (request.headers.accept?.includes('text/html')) {
        // A string with its own content type is sent as it is, not through the JSON schema.
        const html = page('Unsubscribed', `<p>You will no longer get emails about <strong>${escapeHtml(label(claim.type))}</strong>.</p>`)
        return reply.type('text/html; charset=utf-8').send(html as never)
      }
      return { unsubscribed: true, type: claim.type }
    },
  )
}

export default unsubscribeRoutes
