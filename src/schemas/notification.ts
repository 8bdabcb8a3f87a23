import Type from 'typebox'
import { NOTIFICATION_TYPES } from '../domain/notification-types.js'
import { NullableString } from './common.js'

export const NotificationTypeSchema = Type.Union(NOTIFICATION_TYPES.map((t) => Type.Literal(t)), { description: 'In-app notification type' })

export const Notification = Type.Object(
  {
  id: Type.String({ format: 'uuid' }),
  type: Type.String({ description: 'One of the in-app types' }),
  title: Type.String(),
  body: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'Ids and times: bookingId, hallId, startsAt, endsAt, timeZone, ...' }),
  createdAt: Type.String({ format: 'date-time' }),
  readAt: NullableString({ format: 'date-time', description: 'null while unread' }),
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
  },
  { additionalProperties: false },
)

export const NotificationPage = Type.Object({
  items: Type.Array(NotificationRef),
  nextCursor: NullableString(),
  unreadCount: Type.Integer({ minimum: 0 }),
})

export const Count = Type.Object({ count: Type.Integer({ minimum: 0 }) })
export const Updated = Type.Object({ updated: Type.Integer({ minimum: 0 }) })
export const Deleted = Type.Object({ deleted: Type.Integer({ minimum: 0 }) })

export const BulkRead = Type.Object(
  { ids: Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
)

const ChannelPreference = Type.Object({ email: Type.Boolean(), inApp: Type.Boolean(), push: Type.Boolean({ description: "Web Push to the user's subscribed browsers" }) })
const ChannelPreferenceChange = Type.Object({ email: Type.Optional(Type.Boolean()), inApp: Type.Optional(Type.Boolean()), push: Type.Optional(Type.Boolean()) }, { additionalProperties: false })

export const Preferences = Type.Object(Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, ChannelPreference])), { description: 'Every in-app type with its channels' })
export const PreferenceChanges = Type.Object(
  Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, Type.Optional(ChannelPreferenceChange)])),
  { additionalProperties: false, description: 'A partial map: only the named types and channels change' },
)
