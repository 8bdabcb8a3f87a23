import Type, { type TSchema } from 'typebox'
import { NOTIFICATION_CATEGORIES, type NotificationCategory } from '../domain/notification-links.js'
import { NOTIFICATION_TYPES, type NotificationType } from '../domain/notification-types.js'
import { NullableString } from './common.js'
import { DIGEST_CADENCES, type DigestCadence, isHallAdminType } from '../domain/digest.js'

export const NotificationTypeSchema = Type.Union(NOTIFICATION_TYPES.map((t) => Type.Literal(t)), { description: 'In-app notification type' })
export const NotificationCategorySchema = Type.Unsafe<NotificationCategory>({ type: 'string', enum: [...NOTIFICATION_CATEGORIES], description: 'booking, account or announcement (derived from the type)' })

const BookingData = {
  bookingId: Type.String(),
  bookingReference: Type.Optional(Type.String()),
  bookingTitle: Type.String(),
  hallId: Type.String(),
  hallName: Type.String(),
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  timeZone: Type.String({ description: "The hall's IANA time zone (UTC when unknown)" }),
}
const CancellationData = { cancelledAt: Type.String({ format: 'date-time' }), cancelledById: Type.String() }
/** The booking before a change: its old time and hall. */
const PreviousData = { previousStartsAt: Type.String({ format: 'date-time' }), previousEndsAt: Type.String({ format: 'date-time' }), previousHallId: Type.String() }

/** What `data` holds, per type: checked against what the domain writes (see the tests). */
export const NOTIFICATION_DATA: Record<NotificationType, TSchema> = {
  welcome: Type.Object({ userId: Type.String() }),
  booking_confirmed: Type.Object(BookingData),
  hall_booking_created: Type.Object(BookingData),
  booking_cancelled: Type.Object({ ...BookingData, ...CancellationData }),
  hall_booking_cancelled: Type.Object({ ...BookingData, ...CancellationData }),
  announcement: Type.Object({ announcementId: Type.String({ format: 'uuid' }), url: Type.Optional(Type.String({ description: 'The path in the app the operator named' })) }),
  booking_updated: Type.Object({ ...BookingData, ...PreviousData }),
  hall_booking_updated: Type.Object({ ...BookingData, ...PreviousData }),
  booking_reminder: Type.Object({ ...BookingData, reminderOffsetSeconds: Type.Number({ description: 'How long before startsAt the reminder went out' }) }),
}

// Documented per type rather than as a oneOf: a oneOf makes the serializer try every branch
// for every item of every page, and the type already says which shape it is.
const dataDescription = [
  'Ids and times, by `type`:',
  ...Object.entries(NOTIFICATION_DATA).map(([type, schema]) => {
    const properties = (schema as { properties: Record<string, unknown> }).properties
    const required = new Set((schema as { required?: string[] }).required ?? [])
    return `- \`${type}\`: ${Object.keys(properties).map((k) => (required.has(k) ? `\`${k}\`` : `\`${k}\`?`)).join(', ')}`
  }),
].join('\n')

export const Notification = Type.Object(
  {
  id: Type.String({ format: 'uuid' }),
  type: Type.String({ description: 'One of the in-app types' }),
  category: NotificationCategorySchema,
  title: Type.String(),
  body: Type.String(),
  url: Type.String({ description: 'Where the app shows it: a path under APP_URL, e.g. /bookings/b-7' }),
  data: Type.Record(Type.String(), Type.Unknown(), { description: dataDescription }),
  createdAt: Type.String({ format: 'date-time' }),
  readAt: NullableString({ format: 'date-time', description: 'null while unread (read: the user opened it)' }),
  seenAt: NullableString({ format: 'date-time', description: 'null until seen (seen: the user opened the bell)' }),
  archivedAt: NullableString({ format: 'date-time', description: 'null unless archived' }),
  },
  { $id: 'Notification' },
)
/** Where a schema needs a notification: a reference to the shared component. */
export const NotificationRef = Type.Unsafe<import('typebox').Static<typeof Notification>>({ $ref: 'Notification#' })

export const NotificationId = Type.Object({ id: Type.String({ maxLength: 100, description: 'Notification id' }) })

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
    status: Type.Union([Type.Literal('all'), Type.Literal('unread'), Type.Literal('read')], { default: 'all' }),
    type: Type.Optional(NotificationTypeSchema),
    archived: Type.Union([Type.Literal('false'), Type.Literal('true'), Type.Literal('all')], { default: 'false', description: 'Archived ones are left out unless asked for' }),
    category: Type.Optional(NotificationCategorySchema),
  },
  { additionalProperties: false },
)

export const NotificationPage = Type.Object({
  items: Type.Array(NotificationRef),
  nextCursor: NullableString(),
  unreadCount: Type.Integer({ minimum: 0, description: 'Every unread notification of the caller, whatever the filter' }),
  unseenCount: Type.Integer({ minimum: 0, description: 'Not yet seen and not archived, whatever the filter' }),
})

export const Count = Type.Object({ count: Type.Integer({ minimum: 0 }) })
export const Updated = Type.Object({ updated: Type.Integer({ minimum: 0 }) })
export const Deleted = Type.Object({ deleted: Type.Integer({ minimum: 0 }) })

export const BulkRead = Type.Object(
  { ids: Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
)
/** The same shape marks several seen. */
export const BulkSeen = BulkRead

export const ExportQuery = Type.Object({ format: Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' }) }, { additionalProperties: false })

export const StreamTicket = Type.Object({
  ticket: Type.String({ description: 'For GET /v1/notifications/stream?ticket=; single use' }),
  expiresAt: Type.String({ format: 'date-time' }),
})

export const StreamQuery = Type.Object({
  access_token: Type.Optional(Type.String({ description: 'The bearer token, for EventSource (prefer a ticket)' })),
  ticket: Type.Optional(Type.String({ maxLength: 100, description: 'A ticket from POST /v1/notifications/stream-tickets' })),
})

const ChannelPreference = Type.Object({
  email: Type.Boolean(),
  inApp: Type.Boolean(),
  push: Type.Boolean({ description: 'Web Push to every subscribed browser (default on)' }),
  sms: Type.Boolean({ description: 'A text message when a phone number is known (default off, except booking_cancelled)' }),
})
const Digest = Type.Unsafe<DigestCadence>({
  type: 'string',
  enum: [...DIGEST_CADENCES],
  description: 'Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off',
})
const HallAdminPreference = Type.Object({ ...ChannelPreference.properties, digest: Digest })
const ChannelPreferenceChange = Type.Object(
  { email: Type.Optional(Type.Boolean()), inApp: Type.Optional(Type.Boolean()), push: Type.Optional(Type.Boolean()), sms: Type.Optional(Type.Boolean()), digest: Type.Optional(Digest) },
  { additionalProperties: false },
)

export const Preferences = Type.Object(Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, isHallAdminType(t) ? HallAdminPreference : ChannelPreference])), { description: 'Every in-app type with its channels' })
export const PreferenceChanges = Type.Object(
  Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, Type.Optional(ChannelPreferenceChange)])),
  { additionalProperties: false, description: 'A partial map: only the named types and channels change' },
)

const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Local time of day, HH:MM (24-hour)' })
export const QuietHours = Type.Union(
  [
    Type.Object(
      { start: { ...ClockTime, examples: ['22:00'] }, end: { ...ClockTime, examples: ['07:00'] } },
      { additionalProperties: false, description: 'From start to end in your own time zone (an end before the start spans midnight)' },
    ),
    Type.Null(),
  ],
  { description: 'Quiet hours, or null for none' },
)
