import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type, { type Static } from 'typebox'
import { DELIVERY_CHANNELS } from '../domain/delivery-channels.js'
import { quantileBinMs } from '../domain/duration-bins.js'
import { badRequest } from '../http-errors.js'
import { BearerAuth, errors } from '../schemas/common.js'
import { type StatsBucketRow, type StatsInterval, readStatsBuckets } from '../stats/stats-store.js'

const tags = ['operators']
const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
/** The longest range per interval: a month of hours, about a year of days (what a chart can show). */
export const MAX_SPAN_MS: Record<StatsInterval, number> = { hour: 31 * DAY_MS, day: 400 * DAY_MS }
/** When from is left out: the last day by hour, the last 30 days by day. */
const DEFAULT_SPAN_MS: Record<StatsInterval, number> = { hour: DAY_MS, day: 30 * DAY_MS }

/** Channels as the API names them; in-app is stored as in_app like the preference rows. */
const CHANNELS = ['inApp', ...DELIVERY_CHANNELS] as const
type ApiChannel = (typeof CHANNELS)[number]
const toStored = (channel: ApiChannel) => (channel === 'inApp' ? 'in_app' : channel)
const fromStored = (channel: string) => (channel === 'in_app' ? 'inApp' : channel)

const NullableMs = (description: string) => Type.Unsafe<number | null>({ type: ['integer', 'null'], description })

const Bucket = Type.Object({
  start: Type.String({ format: 'date-time', description: 'Start of the hour or day (UTC)' }),
  type: Type.String({ description: 'Notification type (or webhook event type on the webhook channel)' }),
  channel: Type.Unsafe<ApiChannel>({ type: 'string', enum: [...CHANNELS] }),
  created: Type.Integer({ description: 'In-app notifications created, or deliveries planned on this channel' }),
  sent: Type.Integer({ description: 'Deliveries that became sent in this bucket' }),
  failed: Type.Integer({ description: 'Deliveries that became failed in this bucket' }),
  read: Type.Integer({ description: 'In-app notifications marked read in this bucket' }),
  unsubscribed: Type.Integer({ description: 'Users who switched this channel off for this type (the email link or their preferences)' }),
  medianToDeliveryMs: NullableMs('Median time from the event being recorded to the delivery being sent, of those sent in this bucket'),
  p90ToDeliveryMs: NullableMs('90th percentile of the same'),
  medianToReadMs: NullableMs('Median time from the notification being created to it being read, of those read in this bucket'),
  p90ToReadMs: NullableMs('90th percentile of the same'),
})

type Bucket = Static<typeof Bucket>

const StatsAnswer = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  interval: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
  buckets: Type.Array(Bucket),
})

/**
 * The answer's entries. A month by hour is 7,200 of them over 720 starts: rows come ordered by
 * start, so each start is formatted once, not once per type and channel.
 */
function toBuckets(rows: StatsBucketRow[]): Bucket[] {
  const buckets: Bucket[] = new Array(rows.length)
  let startMs = Number.NaN
  let start = ''
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    if (row.bucket !== startMs) {
      startMs = row.bucket
      start = new Date(startMs).toISOString()
    }
    buckets[i] = {
      start,
      type: row.type,
      channel: fromStored(row.channel) as ApiChannel,
      created: row.created,
      sent: row.sent,
      failed: row.failed,
      read: row.read,
      unsubscribed: row.unsubscribed,
      medianToDeliveryMs: quantileBinMs(row.delivery_median_bin),
      p90ToDeliveryMs: quantileBinMs(row.delivery_p90_bin),
      medianToReadMs: quantileBinMs(row.read_median_bin),
      p90ToReadMs: quantileBinMs(row.read_p90_bin),
    }
  }
  return buckets
}

/** The start of the UTC hour or day holding `at`. */
function floorTo(at: Date, interval: StatsInterval): Date {
  const step = interval === 'hour' ? HOUR_MS : DAY_MS
  return new Date(Math.floor(at.getTime() / step) * step)
}

export interface AdminStatsOptions {
  /** The clock the default range is taken from. */
  now?: () => Date
}

/**
 * Delivery statistics from the rollups the triggers keep (never a scan of notifications or
 * deliveries): one entry per bucket, type and channel that saw anything.
 */
const adminStatsRoutes: FastifyPluginAsyncTypebox<AdminStatsOptions> = async (app, { now = () => new Date() }) => {
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', app.requireRole('notifications:admin'))

  app.get(
    '/v1/admin/stats',
    {
      schema: {
        tags,
        summary: 'Created, sent, failed, read and unsubscribed per hour or day, type and channel, with median and p90 times to delivery and to read',
        description:
          'Buckets whose start lies in [from floored to the interval, to). Times come from histograms with quarter-octave bins, so a median or p90 is within about 9% of the exact value (durations under 10 ms are reported as 5). At most 31 days by hour, 400 days by day.',
        security: BearerAuth,
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: to minus a day (hour) or 30 days (day)' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
            interval: Type.Union([Type.Literal('hour'), Type.Literal('day')], { default: 'day' }),
            type: Type.Optional(Type.String({ maxLength: 100 })),
            channel: Type.Optional(Type.Unsafe<ApiChannel>({ type: 'string', enum: [...CHANNELS] })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: StatsAnswer,
          ...errors(400, 401, 403, 429),
        },
      },
    },
    async (request, reply) => {
      const { interval, type, channel } = request.query
      const to = request.query.to ? new Date(request.query.to) : now()
      const requestedFrom = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - DEFAULT_SPAN_MS[interval])
      if (requestedFrom > to) badRequest('querystring/from must not be after querystring/to')
      const from = floorTo(requestedFrom, interval)
      if (to.getTime() - from.getTime() > MAX_SPAN_MS[interval]) {
        badRequest(`querystring: a range of at most ${MAX_SPAN_MS[interval] / DAY_MS} days by ${interval}${interval === 'hour' ? ' (use interval=day for longer ones)' : ''}`)
      }
      const rows = await readStatsBuckets(app.db, { interval, from, to, type, channel: channel && toStored(channel) })
      const answer: Static<typeof StatsAnswer> = { from: from.toISOString(), to: to.toISOString(), interval, buckets: toBuckets(rows) }
      // Sent as it is, past the schema serializer: the entries are built to the schema above,
      // and JSON.stringify wrote a month by hour (1.6 MB) in a third of the serializer's time.
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(answer) as never)
    },
  )
}

export default adminStatsRoutes
