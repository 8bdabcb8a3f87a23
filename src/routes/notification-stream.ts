import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { type LiveFrame, countFrame, headPosition, replaySince } from '../live/change-log.js'
import { SseStream } from '../live/sse-stream.js'
import { type StreamPosition, parsePosition } from '../live/stream-position.js'
import { redeemStreamTicket } from '../live/stream-tickets.js'
import { counts } from '../notifications/notification-store.js'
import { BearerAuth, errors } from '../schemas/common.js'
import { StreamQuery } from '../schemas/notification.js'

/** 503 with Retry-After, sent directly: the error handler keeps 5xx for failures. */
function unavailable(reply: FastifyReply, message: string) {
  return reply.code(503).header('retry-after', '10').send({ statusCode: 503, error: 'Service Unavailable', message })
}

const unauthorized = (message: string) => Object.assign(new Error(message), { statusCode: 401 })

/** The client hung up (while authentication or the first queries were under way). */
const gone = (request: FastifyRequest, reply: FastifyReply) => request.raw.socket?.destroyed === true || reply.raw.destroyed

/**
 * The first frames of a stream: a replay of what the client missed since its Last-Event-ID
 * (or `reset` when that cannot be given), then the counts, and where the stream stands
 * after them. The stream subscribed before they were read: every change committed after
 * reaches it live.
 */
async function firstFrames(db: Kysely<Database>, userId: string, since: StreamPosition, lastEventId: string | undefined): Promise<{ frames: LiveFrame[]; since: StreamPosition }> {
  const resumed = lastEventId !== undefined && parsePosition(lastEventId)
  // Read side by side: a change that commits between the two reads brings its own counts.
  const [replay, c] = await Promise.all([resumed ? replaySince(db, userId, resumed) : undefined, counts(db, [userId])])
  const frames: LiveFrame[] = []
  if (replay?.complete) {
    for (const change of replay.changes) if (change.frame) frames.push(change.frame)
  } else if (lastEventId !== undefined) {
    // The client refetches; the stream goes on from where the database stood then.
    if (replay) since = replay.head
    frames.push({ id: since.seq, event: 'reset', data: { reason: replay?.reason ?? 'unknown Last-Event-ID' } })
  }
  // The stream writes its own position as the id.
  frames.push(countFrame(since.seq, c.get(userId)!))
  return { frames, since }
}

export interface StreamRouteOptions {
  heartbeatMs: number
}

const notificationStreamRoute: FastifyPluginAsyncTypebox<StreamRouteOptions> = async (app, { heartbeatMs }) => {
  // A ticket (single use, any replica) or a bearer token: header, or ?access_token= for EventSource.
  app.addHook('onRequest', async (request, reply) => {
    const ticket = (request.query as { ticket?: unknown }).ticket
    if (typeof ticket !== 'string') return app.authenticate(request, reply)
    const redeemed = await redeemStreamTicket(app.db, ticket)
    if (!redeemed) throw unauthorized('invalid ticket: unknown, expired or already used')
    request.user = { sub: redeemed.userId, exp: Math.floor(redeemed.tokenExpiresAt.getTime() / 1000) }
  })

  app.get(
    '/v1/notifications/stream',
    {
      config: { allowQueryToken: true },
      schema: {
        tags: ['notifications'],
        summary: 'Live updates as Server-Sent Events',
        description: [
          'Events, each with an `id:` (opaque, `<seq>.<xmin>`; send it back as `Last-Event-ID` to replay what was missed, which may repeat an event the client has):',
          '`notification` (a new notification), `notification-updated` (`{"id", "readAt", "seenAt", "archivedAt"}`),',
          '`notification-deleted` (`{"id"}` or `{"all": true}`), `unread-count` (`{"count", "unseenCount"}`, after every change and first),',
          'and `reset` (`{"reason"}`: what was missed cannot be replayed, refetch).',
          `A comment line every ${Math.round(heartbeatMs / 1000)} s keeps proxies from closing the stream.`,
          'The stream ends when the token (or the token a ticket was made with) expires; at most SSE_MAX_STREAMS_PER_USER per user (the oldest is closed).',
          'Browsers: `?ticket=` from POST /v1/notifications/stream-tickets, or `?access_token=` (never logged).',
        ].join(' '),
        security: BearerAuth,
        querystring: StreamQuery,
        produces: ['text/event-stream'],
        response: { 200: { description: 'A text/event-stream that stays open', type: 'string' }, ...errors(401, 429, 503) },
      },
    },
    async (request, reply) => {
      const { sub: userId, exp } = request.user
      if (gone(request, reply)) return reply.hijack()
      if (app.liveHub.full) {
        return unavailable(reply, 'this instance holds as many streams as it may (SSE_MAX_STREAMS); retry shortly')
      }
      const lastEventId = request.headers['last-event-id'] as string | undefined
      // A reconnect starts where its Last-Event-ID says (its replay reads the head); a new stream at the head.
      const since = (lastEventId !== undefined && parsePosition(lastEventId)) || (await headPosition(app.db))
      // Subscribed before the first frames are read, so nothing committed meanwhile is lost;
      // from here on every way out (client gone, error, eviction, expiry) ends in its cleanup.
      const stream = new SseStream(reply.raw, { userId, expiresAt: exp * 1000, since })
      app.liveHub.subscribe(stream)
      let first: Awaited<ReturnType<typeof firstFrames>>
      try {
        first = await firstFrames(app.db, userId, since, lastEventId)
      } catch (err) {
        stream.close()
        throw err
      }
      if (stream.closed) {
        if (gone(request, reply)) return reply.hijack()
        return unavailable(reply, 'the stream was closed while it was being set up; retry')
      }
      reply.hijack()
      stream.start(first.frames, first.since)
    },
  )
}

export default notificationStreamRoute
