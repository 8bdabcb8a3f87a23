import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import {
  countUnread,
  decodeCursor,
  deleteAllNotifications,
  deleteNotification,
  getNotification,
  listNotifications,
  markAllRead,
  markManyRead,
  setRead,
} from '../notifications/notification-store.js'
import { badRequest, notFound } from '../http-errors.js'
import { BearerAuth, errors } from '../schemas/common.js'
import { BulkRead, Count, Deleted, ListQuery, NotificationId, NotificationPage, NotificationRef, Updated } from '../schemas/notification.js'

const tags = ['notifications']
// Writes are limited per user (the key is the token's subject), reads are not.
const perUserWrites = { rateLimit: { max: 300, timeWindow: '1 minute' } }

export interface NotificationRoutesOptions {
  heartbeatMs: number
}

const notificationRoutes: FastifyPluginAsyncTypebox<NotificationRoutesOptions> = async (app, { heartbeatMs }) => {
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
        summary: "The caller's notifications, newest first, with the exact unread count",
        security: BearerAuth,
        querystring: ListQuery,
        response: { 200: NotificationPage, ...errors(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { limit, status, type } = request.query
      const cursor = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor)
      if (request.query.cursor !== undefined && !cursor) badRequest('querystring/cursor is not a cursor this service issued')
      const userId = request.user.sub
      if (cursor) {
        const [page, unreadCount] = await Promise.all([listNotifications(app.db, userId, { limit, status, type, cursor }), app.readCache.unreadCount(userId)])
        return { ...page, unreadCount }
      }
      // The first page, polled by every open dropdown, is sent as cached JSON.
      const json = await app.readCache.firstPageJson(userId, { limit, status, type })
      // A string with a JSON content type is sent as it is, past the schema serializer.
      return reply.type('application/json; charset=utf-8').send(json as never)
    },
  )

  app.get(
    '/v1/notifications/unread-count',
    { schema: { tags, summary: "The caller's exact unread count", security: BearerAuth, response: { 200: Count, ...errors(401, 429) } } },
    async (request) => ({ count: await app.readCache.unreadCount(request.user.sub) }),
  )

  app.get(
    '/v1/notifications/stream',
    {
      config: { allowQueryToken: true },
      schema: {
        tags,
        summary: 'Live updates as Server-Sent Events',
        description: `Events: \`notification\` (a new notification, as JSON) and \`unread-count\` (\`{"count": n}\`), sent as they are committed on any instance; the current \`unread-count\` first; a comment line every ${Math.round(heartbeatMs / 1000)} s keeps proxies from closing the stream. Browsers' EventSource cannot send headers, so \`access_token\` is accepted in the query here.`,
        security: BearerAuth,
        querystring: Type.Object({ access_token: Type.Optional(Type.String({ description: 'The bearer token, for EventSource' })) }),
        produces: ['text/event-stream'],
        response: { 200: { description: 'A text/event-stream that stays open', type: 'string' }, ...errors(401, 429) },
      },
    },
    async (request, reply) => {
      const userId = request.user.sub
      const initialCount = await countUnread(app.db, userId)
      reply.hijack()
      const raw = reply.raw
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Proxies such as nginx would otherwise hold frames back.
        'x-accel-buffering': 'no',
      })
      const send = (event: string, data: unknown) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
      raw.write('retry: 3000\n\n')
      send('unread-count', { count: initialCount })

      let closed = false
      const heartbeat = setInterval(() => raw.write(`: heartbeat ${new Date().toISOString()}\n\n`), heartbeatMs)
      const unsubscribe = app.liveHub.subscribe(userId, {
        notification: (n) => send('notification', n),
        unreadCount: (count) => send('unread-count', { count }),
        close: () => {
          if (!closed) raw.end()
        },
      })
      raw.on('close', () => {
        closed = true
        clearInterval(heartbeat)
        unsubscribe()
      })
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
