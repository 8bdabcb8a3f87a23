import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { EmailOutboxRow } from '../db/schema.js'
import { listEmails, requeueEmail } from '../email/email-outbox.js'
import { decodeCursor, encodeCursor } from '../notifications/notification-store.js'
import { HttpError, badRequest, notFound } from '../http-errors.js'
import { BearerAuth, NullableString, errors } from '../schemas/common.js'

const tags = ['operators']

const Delivery = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userId: Type.String(),
  recipient: Type.String(),
  type: Type.String({ description: 'The in-app type this email belongs to' }),
  template: Type.String(),
  locale: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: NullableString({ format: 'date-time', description: 'When a pending email is tried next' }),
  lastError: NullableString(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  sentAt: NullableString({ format: 'date-time' }),
  eventSource: Type.String(),
  eventId: Type.String(),
})

type DeliveryRow = Omit<EmailOutboxRow, 'payload'>
const iso = (d: Date | string) => new Date(d).toISOString()

function toDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    userId: row.user_id,
    recipient: row.recipient,
    type: row.notification_type,
    template: row.template,
    locale: row.locale,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    lastError: row.last_error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    sentAt: row.sent_at ? iso(row.sent_at) : null,
    eventSource: row.event_source,
    eventId: row.event_id,
  }
}

const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', app.requireRole('notifications:admin'))

  app.get(
    '/v1/admin/emails',
    {
      schema: {
        tags,
        summary: 'Email deliveries, newest first (never bodies or secrets)',
        security: BearerAuth,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')])),
            recipient: Type.Optional(Type.String({ maxLength: 320 })),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Delivery), nextCursor: NullableString() }), ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { status, recipient, limit } = request.query
      const cursor = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor)
      if (request.query.cursor !== undefined && !cursor) badRequest('querystring/cursor is not a cursor this service issued')
      const rows = await listEmails(app.db, { status, recipient, limit, before: cursor && { createdAt: new Date(cursor.createdAt), id: cursor.id } })
      const items = rows.slice(0, limit).map(toDelivery)
      const last = items[items.length - 1]
      return { items, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null }
    },
  )

  app.post(
    '/v1/admin/emails/:id/retry',
    {
      schema: {
        tags,
        summary: 'Send a failed email again, with a fresh round of attempts',
        security: BearerAuth,
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        response: { 200: Delivery, ...errors(401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const { id } = request.params
      if (!/^[0-9a-f-]{36}$/i.test(id)) notFound('email')
      const row = await requeueEmail(app.db, id)
      if (row) {
        request.log.info({ emailId: id }, 'failed email queued again by an operator')
        app.emailDispatcher.wake()
        return toDelivery(row)
      }
      const exists = await app.db.selectFrom('email_outbox').select('status').where('id', '=', id).executeTakeFirst()
      if (!exists) return notFound('email')
      throw new HttpError(409, `only failed emails can be retried (this one is ${exists.status})`)
    },
  )
}

export default adminRoutes
