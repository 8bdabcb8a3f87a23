import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { cancelAnnouncement, createAnnouncement, getAnnouncement, listAnnouncements } from '../announcements/announcement-store.js'
import type { AnnouncementRow } from '../db/schema.js'
import type { AnnouncementChannel, Audience } from '../domain/announcements.js'
import { HttpError, badRequest, notFound } from '../http-errors.js'
import { decodeCursor, encodeCursor, isNotificationId as isUuid } from '../notifications/notification-store.js'
import { Announcement, NewAnnouncement } from '../schemas/announcement.js'
import { BearerAuth, NullableString, errors } from '../schemas/common.js'

const tags = ['operators']
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null)

// A sendAt a little behind the server's clock is "now" (clocks differ); further back it is a mistake.
const PAST_TOLERANCE_MS = 5 * 60_000
const MAX_AHEAD_MS = 366 * 24 * 60 * 60_000

const toAnnouncement = (row: AnnouncementRow) => ({
  id: row.id,
  title: row.title,
  body: row.body,
  url: row.url,
  audience: row.audience as unknown as Audience,
  channels: row.channels as AnnouncementChannel[],
  sendAt: iso(row.send_at)!,
  status: row.status,
  recipients: row.recipients,
  counts: { inApp: row.in_app_count, email: row.email_count, push: row.push_count },
  createdBy: row.created_by,
  createdAt: iso(row.created_at)!,
  startedAt: iso(row.started_at),
  finishedAt: iso(row.finished_at),
  cancelledAt: iso(row.cancelled_at),
})

const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) })

const adminAnnouncementRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', app.requireRole('notifications:admin'))
  const clock = () => app.announcements.clock()

  async function find(id: string): Promise<AnnouncementRow> {
    // Not a uuid: it cannot name a row (and must not reach a uuid cast).
    const row = isUuid(id) ? await getAnnouncement(app.db, id) : undefined
    return row ?? notFound('announcement')
  }

  app.post(
    '/v1/admin/announcements',
    {
      schema: {
        tags,
        summary: 'Schedule an announcement to all users, a list of users or the people of one hall',
        security: BearerAuth,
        body: NewAnnouncement,
        response: { 202: Announcement, ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const now = clock()
      const { title, body, url, audience, channels, sendAt } = request.body
      const when = sendAt === undefined ? now : new Date(sendAt)
      if (when.getTime() < now.getTime() - PAST_TOLERANCE_MS) return badRequest('body/sendAt is in the past')
      if (when.getTime() > now.getTime() + MAX_AHEAD_MS) return badRequest('body/sendAt is more than a year ahead')
      const row = await createAnnouncement(app.db, { title, body, url: url ?? null, audience: audience as Audience, channels: channels as AnnouncementChannel[], sendAt: when, createdBy: request.user.sub })
      request.log.info({ announcementId: row.id, sendAt: when.toISOString() }, 'announcement scheduled')
      if (when.getTime() <= now.getTime()) app.announcements.fanout?.wake()
      return reply.code(202).send(toAnnouncement(row))
    },
  )

  app.get(
    '/v1/admin/announcements',
    {
      schema: {
        tags,
        summary: 'Announcements, newest first, with their counts per channel',
        security: BearerAuth,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), cursor: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(Announcement), nextCursor: NullableString() }), ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { limit } = request.query
      let before: { createdAt: Date; id: string } | undefined
      if (request.query.cursor !== undefined) {
        const cursor = decodeCursor(request.query.cursor)
        if (!cursor) return badRequest('querystring/cursor is not a cursor this service issued')
        before = { createdAt: new Date(cursor.createdAt), id: cursor.id }
      }
      const rows = await listAnnouncements(app.db, { limit, before })
      const items = rows.slice(0, limit).map(toAnnouncement)
      const last = items.at(-1)
      return { items, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null }
    },
  )

  app.get(
    '/v1/admin/announcements/:id',
    {
      schema: { tags, summary: 'One announcement, with its counts per channel', security: BearerAuth, params: IdParams, response: { 200: Announcement, ...errors(401, 403, 404, 429) } },
    },
    async (request) => toAnnouncement(await find(request.params.id)),
  )

  app.delete(
    '/v1/admin/announcements/:id',
    {
      schema: {
        tags,
        summary: 'Cancel an announcement not yet (fully) sent: no further recipients get it; what was sent stays sent',
        security: BearerAuth,
        params: IdParams,
        response: { 200: Announcement, ...errors(401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const existing = await find(request.params.id)
      const row = await cancelAnnouncement(app.db, existing.id, clock())
      if (row) {
        request.log.info({ announcementId: row.id, recipients: row.recipients }, 'announcement cancelled')
        return toAnnouncement(row)
      }
      const now = (await getAnnouncement(app.db, existing.id))!
      throw new HttpError(409, `only an announcement not yet sent can be cancelled (this one is ${now.status})`)
    },
  )
}

export default adminAnnouncementRoutes
