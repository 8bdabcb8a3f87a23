import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { issueStreamTicket } from '../live/stream-tickets.js'
import { toCsvLines, toNdjsonLines } from '../notifications/notification-export.js'
import {
  decodeCursor,
  deleteAllNotifications,
  deleteNotification,
  exportNotifications,
  getNotification,
  listNotifications,
  markAllRead,
  markAllSeen,
  markManyRead,
  markManySeen,
  setArchived,
  setRead,
} from '../notifications/notification-store.js'
import { badRequest, notFound } from '../http-errors.js'
import { BearerAuth, errors } from '../schemas/common.js'
import { BulkRead, BulkSeen, Count, Deleted, ExportQuery, ListQuery, NotificationId, NotificationPage, NotificationRef, StreamTicket, Updated } from '../schemas/notification.js'

const tags = ['notifications']
// Writes are limited per user (the key is the token's subject), reads are not.
const perUserWrites = { rateLimit: { max: 300, timeWindow: '1 minute' } }

// An export reads every notification of the caller: a few per minute is plenty.
const perUserExports = { rateLimit: { max: 10, timeWindow: '1 minute' } }

const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)
  // Every write here can change the caller's pages and count: drop the cached ones before the
  // answer leaves, so the caller's next read is exact. Other replicas drop theirs on NOTIFY.
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (request.method !== 'GET' && request.user) app.readCache.invalidate([request.user.sub])
    done(null, payload)
  })

  app.get(
    '/v1/notifications',
    {
      schema: {
        tags,
        summary: "The caller's notifications, newest first, with the exact unread and unseen counts",
        description: 'Archived notifications are left out unless `archived=true` or `archived=all`.',
        security: BearerAuth,
        querystring: ListQuery,
        response: { 200: NotificationPage, ...errors(400, 401, 429, 503) },
      },
    },
    async (request, reply) => {
      const { limit, status, type, archived, category } = request.query
      const cursor = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor)
      if (request.query.cursor !== undefined && !cursor) badRequest('querystring/cursor is not a cursor this service issued')
      const userId = request.user.sub
      if (cursor) {
        const [page, counts] = await Promise.all([listNotifications(app.db, userId, { limit, status, type, archived, category, cursor }), app.readCache.counts(userId)])
        return { ...page, unreadCount: counts.unread, unseenCount: counts.unseen }
      }
      // The first page, polled by every open dropdown, is sent as cached JSON.
      const json = await app.readCache.firstPageJson(userId, { limit, status, type, archived, category })
      // A string with a JSON content type is sent as it is, past the schema serializer.
      return reply.type('application/json; charset=utf-8').send(json as never)
    },
  )

  app.get(
    '/v1/notifications/unread-count',
    { schema: { tags, summary: "The caller's exact unread count", security: BearerAuth, response: { 200: Count, ...errors(401, 429, 503) } } },
    async (request) => ({ count: await app.readCache.unreadCount(request.user.sub) }),
  )

  app.get(
    '/v1/notifications/export',
    {
      config: perUserExports,
      schema: {
        tags,
        summary: "All of the caller's notifications, streamed",
        description: '`ndjson`: one notification (as in the list) per line. `csv`: a header line, then one row each, `data` as JSON. Newest first; read in batches, so memory stays bounded however many there are.',
        security: BearerAuth,
        querystring: ExportQuery,
        produces: ['application/x-ndjson', 'text/csv'],
        response: { 200: { description: 'The notifications, one per line', type: 'string' }, ...errors(400, 401, 429, 503) },
      },
    },
    async (request, reply) => {
      const { format } = request.query
      const batches = exportNotifications(app.db, request.user.sub)
      // The first batch is read before answering: a database outage is a 503, not a cut stream.
      const first = await batches.next()
      const lines = format === 'csv' ? toCsvLines : toNdjsonLines
      async function* body() {
        yield* lines(first.done ? [] : first.value, true)
        for await (const batch of batches) yield* lines(batch, false)
      }
      // Readable.from pulls the next batch only when the socket has taken the last one.
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="notifications.${format}"`)
        .send(Readable.from(body(), { objectMode: false }) as never)
    },
  )

  app.post(
    '/v1/notifications/stream-tickets',
    {
      config: perUserWrites,
      schema: {
        tags,
        summary: 'A single-use ticket for opening the stream',
        description: 'Valid for 30 s (never past the token), redeemable once on any instance: `GET /v1/notifications/stream?ticket=`, so no token sits in a URL. The stream ends when the token the ticket was made with expires.',
        security: BearerAuth,
        response: { 200: StreamTicket, ...errors(401, 429, 503) },
      },
    },
    async (request) => {
      const { ticket, expiresAt } = await issueStreamTicket(app.db, request.user.sub, new Date(request.user.exp * 1000))
      return { ticket, expiresAt: expiresAt.toISOString() }
    },
  )

  app.get(
    '/v1/notifications/:id',
    { schema: { tags, summary: 'One notification', security: BearerAuth, params: NotificationId, response: { 200: NotificationRef, ...errors(401, 404, 429) } } },
    async (request) => (await getNotification(app.db, request.user.sub, request.params.id)) ?? notFound('notification'),
  )

  for (const [action, read] of [['read', true], ['unread', false]] as const) {
    app.post(
      `/v1/notifications/:id/${action}`,
      {
        config: perUserWrites,
        schema: { tags, summary: `Mark one notification ${action}`, security: BearerAuth, params: NotificationId, response: { 200: NotificationRef, ...errors(401, 404, 429) } },
      },
      async (request) => (await setRead(app.db, request.user.sub, request.params.id, read)) ?? notFound('notification'),
    )
  }

  app.post(
    '/v1/notifications/read',
    {
      config: perUserWrites,
      schema: {
        tags,
        summary: 'Mark several notifications read',
        description: "Ids that are unknown, already read or someone else's are left alone and not counted.",
        security: BearerAuth,
        body: BulkRead,
        response: { 200: Updated, ...errors(400, 401, 413, 429) },
      },
    },
    async (request) => ({ updated: await markManyRead(app.db, request.user.sub, request.body.ids) }),
  )

  app.post(
    '/v1/notifications/read-all',
    { config: perUserWrites, schema: { tags, summary: "Mark all of the caller's notifications read", security: BearerAuth, response: { 200: Updated, ...errors(401, 429) } } },
    async (request) => ({ updated: await markAllRead(app.db, request.user.sub) }),
  )

  for (const [action, archived] of [['archive', true], ['unarchive', false]] as const) {
    app.post(
      `/v1/notifications/:id/${action}`,
      {
        config: perUserWrites,
        schema: { tags, summary: `${archived ? 'Archive' : 'Unarchive'} one notification`, security: BearerAuth, params: NotificationId, response: { 200: NotificationRef, ...errors(401, 404, 429) } },
      },
      async (request) => (await setArchived(app.db, request.user.sub, request.params.id, archived)) ?? notFound('notification'),
    )
  }

  app.post(
    '/v1/notifications/seen',
    {
      config: perUserWrites,
      schema: {
        tags,
        summary: 'Mark several notifications seen',
        description: "Ids that are unknown, already seen or someone else's are left alone and not counted.",
        security: BearerAuth,
        body: BulkSeen,
        response: { 200: Updated, ...errors(400, 401, 413, 429) },
      },
    },
    async (request) => ({ updated: await markManySeen(app.db, request.user.sub, request.body.ids) }),
  )

  app.post(
    '/v1/notifications/seen-all',
    { config: perUserWrites, schema: { tags, summary: "Mark all of the caller's notifications seen (the bell was opened)", security: BearerAuth, response: { 200: Updated, ...errors(401, 429) } } },
    async (request) => ({ updated: await markAllSeen(app.db, request.user.sub) }),
  )

  app.delete(
    '/v1/notifications/:id',
    {
      config: perUserWrites,
      schema: { tags, summary: 'Delete one notification', security: BearerAuth, params: NotificationId, response: { 204: Type.Null({ description: 'Deleted' }), ...errors(401, 404, 429) } },
    },
    async (request, reply) => ((await deleteNotification(app.db, request.user.sub, request.params.id)) ? reply.code(204).send(null) : notFound('notification')),
  )

  app.delete(
    '/v1/notifications',
    { config: perUserWrites, schema: { tags, summary: "Delete all of the caller's notifications", security: BearerAuth, response: { 200: Deleted, ...errors(401, 429) } } },
    async (request) => ({ deleted: await deleteAllNotifications(app.db, request.user.sub) }),
  )
}

export default notificationRoutes
