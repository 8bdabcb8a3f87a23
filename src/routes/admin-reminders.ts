import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ScheduledJobRow, ScheduledJobStatus } from '../db/schema.js'
import { REMINDER_JOB, type ReminderPayload } from '../domain/reminders.js'
import { listJobs } from '../scheduler/job-store.js'
import { BearerAuth, NullableString, errors } from '../schemas/common.js'

// Operators see reminders as their own list, not as pending deliveries: a reminder is not a
// delivery until it runs (then its email, push and SMS appear under /v1/admin/deliveries),
// and what operators ask of it ("is Ada's 1 h reminder for b-7 scheduled, and when?") is
// about the booking and its offset, which a delivery row does not carry.
const ReminderStatus = Type.Union([Type.Literal('scheduled'), Type.Literal('sent'), Type.Literal('cancelled')])
const STATUS_IN_TABLE: Record<'scheduled' | 'sent' | 'cancelled', ScheduledJobStatus> = { scheduled: 'scheduled', sent: 'done', cancelled: 'cancelled' }

const Reminder = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Also the eventId of the notification and deliveries it wrote' }),
  bookingId: Type.String(),
  userId: Type.String(),
  offsetSeconds: Type.Number({ description: 'How long before startsAt it goes out (REMINDER_OFFSETS)' }),
  startsAt: Type.String({ format: 'date-time' }),
  dueAt: Type.String({ format: 'date-time' }),
  status: ReminderStatus,
  attempts: Type.Integer({ description: 'Failed runs so far (it is tried again with backoff)' }),
  lastError: NullableString(),
  sentAt: NullableString({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

function toReminder(row: ScheduledJobRow) {
  const payload = row.payload as unknown as ReminderPayload
  return {
    id: row.id,
    bookingId: row.subject,
    userId: payload.user.id,
    offsetSeconds: payload.offsetMs / 1000,
    startsAt: new Date(payload.booking.startsAt).toISOString(),
    dueAt: new Date(row.due_at).toISOString(),
    status: row.status === 'done' ? ('sent' as const) : row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    sentAt: row.done_at ? new Date(row.done_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}

const adminReminderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', app.requireRole('notifications:admin'))

  app.get(
    '/v1/admin/reminders',
    {
      schema: {
        tags: ['operators'],
        summary: 'Booking reminders (scheduled, sent or cancelled), latest due time first',
        security: BearerAuth,
        querystring: Type.Object(
          {
            status: Type.Optional(ReminderStatus),
            bookingId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Reminder) }), ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { status, bookingId, limit } = request.query
      const rows = await listJobs(app.db, { kind: REMINDER_JOB, status: status ? STATUS_IN_TABLE[status] : undefined, subject: bookingId, limit })
      return { items: rows.map(toReminder) }
    },
  )
}

export default adminReminderRoutes
