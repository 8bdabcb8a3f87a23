import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { type ListedDelivery, deliveryStatus, listDeliveries, requeueDelivery } from '../delivery/delivery-store.js'
import { DELIVERY_CHANNELS, type ChannelName } from '../domain/delivery-channels.js'
import { decodeCursor, encodeCursor, isNotificationId as isUuid } from '../notifications/notification-store.js'
import { HttpError, badRequest, notFound } from '../http-errors.js'
import { BearerAuth, NullableString, errors } from '../schemas/common.js'

const tags = ['operators']

const Status = Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('expired')], {
  description: 'delivered: the destination confirmed it arrived (SMS delivery receipts), after sent',
})
const ChannelParam = Type.Unsafe<ChannelName>({ type: 'string', enum: [...DELIVERY_CHANNELS] })

const common = {
  template: Type.String(),
  locale: Type.String(),
  status: Status,
  attempts: Type.Integer(),
  nextAttemptAt: NullableString({ format: 'date-time', description: 'When a pending delivery is tried next' }),
  lastError: NullableString(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  sentAt: NullableString({ format: 'date-time' }),
  eventSource: Type.String(),
  eventId: Type.String(),
}

/** An email delivery under the names the email view has always had. */
const EmailDelivery = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userId: Type.String(),
  recipient: Type.String(),
  type: Type.String({ description: 'The in-app type this email belongs to' }),
  ...common,
})

const Holder = Type.Union([
  Type.Object({ instanceId: Type.String({ format: 'uuid' }), host: NullableString(), pid: Type.Union([Type.Integer(), Type.Null()]) }),
  Type.Null(),
])

const Delivery = Type.Object({
  id: Type.String({ format: 'uuid' }),
  channel: ChannelParam,
  userId: NullableString(),
  destination: Type.String({ description: 'Email address, push subscription id, phone number or webhook endpoint id' }),
  type: Type.String({ description: 'The notification (or webhook event) type' }),
  notificationId: NullableString({ format: 'uuid' }),
  providerId: NullableString({ description: "The provider's id for the accepted message" }),
  heldBy: { ...Holder, description: 'The instance whose claim this pending delivery is under, if any' },
  deferredUntil: NullableString({ format: 'date-time', description: "Planned for later than it was created: the end of the recipient's quiet hours, or a digest's window end" }),
  deferralReason: NullableString({ description: 'Why it was planned for later, e.g. "quiet hours 22:00-07:00 (Europe/Berlin)" or "daily digest"' }),
  ...common,
})

const iso = (d: Date | string) => new Date(d).toISOString()

function times(row: Pick<ListedDelivery, 'status' | 'attempts' | 'template' | 'locale' | 'next_attempt_at' | 'last_error' | 'created_at' | 'updated_at' | 'sent_at' | 'event_source' | 'event_id'>) {
  return {
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

type Row = Omit<ListedDelivery, 'holder_host' | 'holder_pid'> & Partial<Pick<ListedDelivery, 'holder_host' | 'holder_pid'>>

const toEmail = (row: Row) => ({ id: row.id, userId: row.user_id ?? '', recipient: row.destination, type: row.notification_type, ...times(row) })

const toDelivery = (row: Row) => ({
  id: row.id,
  channel: row.channel,
  userId: row.user_id,
  destination: row.destination,
  type: row.notification_type,
  notificationId: row.notification_id,
  providerId: row.provider_id,
  heldBy: row.status === 'pending' && row.claimed_by ? { instanceId: row.claimed_by, host: row.holder_host ?? null, pid: row.holder_pid ?? null } : null,
  deferredUntil: row.deferred_until ? iso(row.deferred_until) : null,
  deferralReason: row.deferral_reason,
  ...times(row),
})

const listQuery = {
  status: Type.Optional(Status),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
}

function pageCursor(raw: string | undefined) {
  if (raw === undefined) return undefined
  const cursor = decodeCursor(raw)
  if (!cursor) return badRequest('querystring/cursor is not a cursor this service issued')
  return { createdAt: new Date(cursor.createdAt), id: cursor.id }
}

function page<T extends { createdAt: string; id: string }>(rows: Row[], limit: number, map: (row: Row) => T) {
  const items = rows.slice(0, limit).map(map)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null }
}

const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', app.requireRole('notifications:admin'))

  /** Requeues a failed delivery (of one channel, for the email view); 404/409 otherwise. */
  async function retry(id: string, channel: ChannelName | undefined, what: 'email' | 'delivery') {
    // Not a uuid: it cannot name a row (and must not reach a uuid cast).
    if (!isUuid(id)) return notFound(what)
    const row = await requeueDelivery(app.db, id, channel)
    if (row) {
      app.log.info({ deliveryId: id, channel: row.channel }, 'failed delivery queued again by an operator')
      app.deliveries.wake(row.channel)
      return row
    }
    const status = await deliveryStatus(app.db, id, channel)
    if (!status) return notFound(what)
    throw new HttpError(409, `only failed ${what === 'email' ? 'emails' : 'deliveries'} can be retried (this one is ${status})`)
  }

  app.get(
    '/v1/admin/emails',
    {
      schema: {
        tags,
        summary: 'Email deliveries, newest first (never bodies or secrets)',
        security: BearerAuth,
        querystring: Type.Object({ ...listQuery, recipient: Type.Optional(Type.String({ maxLength: 320 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(EmailDelivery), nextCursor: NullableString() }), ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { status, recipient, limit } = request.query
      const rows = await listDeliveries(app.db, { channel: 'email', status, destination: recipient, limit, before: pageCursor(request.query.cursor) })
      return page(rows, limit, toEmail)
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
        response: { 200: EmailDelivery, ...errors(401, 403, 404, 409, 429) },
      },
    },
    async (request) => toEmail(await retry(request.params.id, 'email', 'email')),
  )

  app.get(
    '/v1/admin/deliveries',
    {
      schema: {
        tags,
        summary: 'Deliveries on every channel, newest first, with the instance holding each pending claim (never bodies or secrets)',
        security: BearerAuth,
        querystring: Type.Object({ ...listQuery, channel: Type.Optional(ChannelParam), destination: Type.Optional(Type.String({ maxLength: 320 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(Delivery), nextCursor: NullableString() }), ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { channel, status, destination, limit } = request.query
      const rows = await listDeliveries(app.db, { channel, status, destination, limit, before: pageCursor(request.query.cursor) })
      return page(rows, limit, toDelivery)
    },
  )

  app.post(
    '/v1/admin/deliveries/:id/retry',
    {
      schema: {
        tags,
        summary: 'Send a failed delivery again, with a fresh round of attempts',
        security: BearerAuth,
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        response: { 200: Delivery, ...errors(401, 403, 404, 409, 429) },
      },
    },
    async (request) => toDelivery(await retry(request.params.id, undefined, 'delivery')),
  )
}

export default adminRoutes
