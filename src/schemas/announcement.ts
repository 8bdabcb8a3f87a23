import Type from 'typebox'
import { ANNOUNCEMENT_CHANNELS, type AnnouncementChannel, MAX_AUDIENCE_IDS } from '../domain/announcements.js'
import { NullableString } from './common.js'

const UserId = Type.String({ minLength: 1, maxLength: 200 })

export const Audience = Type.Union(
  [
    Type.Object({ all: Type.Literal(true) }, { additionalProperties: false, description: 'Everyone in the user directory' }),
    Type.Object({ userIds: Type.Array(UserId, { minItems: 1, maxItems: MAX_AUDIENCE_IDS, uniqueItems: true }) }, { additionalProperties: false, description: 'These users' }),
    Type.Object({ hallId: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false, description: "One hall's people: its bookers and admins" }),
  ],
  { description: 'Who gets it: exactly one of all, userIds, hallId' },
)

const Channel = Type.Unsafe<AnnouncementChannel>({ type: 'string', enum: [...ANNOUNCEMENT_CHANNELS] })

export const NewAnnouncement = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    body: Type.String({ minLength: 1, maxLength: 5_000 }),
    url: Type.Optional(Type.String({ pattern: '^/(?!/)', maxLength: 2_000, description: 'A path in the app (under APP_URL) the notification and email link to' })),
    audience: Audience,
    channels: Type.Array(Channel, { minItems: 1, maxItems: ANNOUNCEMENT_CHANNELS.length, uniqueItems: true }),
    sendAt: Type.Optional(Type.String({ format: 'date-time', description: 'When to send it; now when absent. Not in the past, at most a year ahead' })),
  },
  { additionalProperties: false },
)

const Count = Type.Integer({ minimum: 0 })

export const Announcement = Type.Object({
  id: Type.String({ format: 'uuid' }),
  title: Type.String(),
  body: Type.String(),
  url: NullableString(),
  audience: Audience,
  channels: Type.Array(Channel),
  sendAt: Type.String({ format: 'date-time' }),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('sending'), Type.Literal('sent'), Type.Literal('cancelled')], {
    description: 'scheduled until sendAt; sending while it fans out in batches; sent when every recipient is reached; cancelled (what was sent stays sent)',
  }),
  recipients: Type.Integer({ minimum: 0, description: 'Recipients reached so far' }),
  counts: Type.Object(
    { inApp: Count, email: Count, push: Count },
    { description: 'Per channel: in-app notifications created, emails and pushes queued so far' },
  ),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: NullableString({ format: 'date-time' }),
  finishedAt: NullableString({ format: 'date-time' }),
  cancelledAt: NullableString({ format: 'date-time' }),
})
