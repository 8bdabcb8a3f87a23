import { type Transaction, sql } from 'kysely'
import type { Database, ScheduledJobRow } from '../db/schema.js'
import type { BookingCreated, BookingUpdated } from '../domain/events.js'
import { REMINDER_JOB, type ReminderPayload, planReminderEffects, planReminders, reminderKey } from '../domain/reminders.js'
import type { NewDelivery } from '../delivery/delivery-store.js'
import { readDirectory } from '../directory/directory-store.js'
import { latestFacts } from '../domain/directory.js'
import { type Sourced, pushSubscriptionIds, writeEffects } from '../ingest/record-events.js'
import type { PlannedNotification } from '../domain/plan-effects.js'
import { disabledChannels } from '../notifications/preference-store.js'
import { cancelJobs, scheduleJobs } from './job-store.js'
import type { JobOutcome } from './scheduler.js'

/** A booking touched by an ingest batch: cancelled, or (re)scheduled by the event that set its start. */
export interface BookingSchedule {
  bookingId: string
  cancelled: boolean
  scheduledBy: BookingCreated | BookingUpdated | undefined
}

/**
 * Keeps each booking's reminder jobs in step with its state, inside the ingest transaction:
 * a cancellation cancels them (and, being final, keeps them from ever being written); the
 * event that sets the start writes one job per offset still ahead, moving the old ones, and
 * cancels those whose time has already passed.
 */
export async function syncReminders(trx: Transaction<Database>, schedules: BookingSchedule[], offsetsMs: readonly number[], now: Date): Promise<void> {
  const cancelled = schedules.filter((s) => s.cancelled).map((s) => s.bookingId)
  await cancelJobs(trx, REMINDER_JOB, cancelled)
  const jobs = []
  const passed: { bookingId: string; key: string }[] = []
  for (const s of schedules) {
    if (s.cancelled || !s.scheduledBy) continue
    const plan = planReminders(s.scheduledBy, offsetsMs, now)
    for (const r of plan.due) jobs.push({ kind: REMINDER_JOB, key: reminderKey(s.bookingId, r.offsetMs), subject: s.bookingId, dueAt: r.dueAt, payload: { ...r.payload } })
    for (const offsetMs of plan.skipped) passed.push({ bookingId: s.bookingId, key: reminderKey(s.bookingId, offsetMs) })
  }
  await scheduleJobs(trx, jobs)
  if (passed.length > 0) await cancelJobs(trx, REMINDER_JOB, [...new Set(passed.map((p) => p.bookingId))], passed.map((p) => p.key))
}

/** Older than any directory entry: the directory's facts win over what the reminder was written with. */
const EARLIEST = '1970-01-01T00:00:00.000Z'

/** Where the reminders' notifications say they came from (with the job id as the event id). */
export const SCHEDULER_SOURCE = '/bookit-notifications/scheduler'

/**
 * Runs due reminders inside the scheduler's transaction: their notifications and deliveries
 * are committed with the jobs marked done, or not at all. A booking cancelled meanwhile
 * produces nothing (the cancellation normally cancels the job first; this covers a job
 * claimed just before). Reads (states, preferences, subscriptions) and writes are one
 * statement each for the whole batch.
 */
export async function runReminders(trx: Transaction<Database>, jobs: ScheduledJobRow[]): Promise<JobOutcome[]> {
  const reminders = jobs.map((job) => job.payload as unknown as ReminderPayload)
  const bookingIds = [...new Set(reminders.map((r) => r.bookingId))]
  // A plain read, no lock: ingest locks booking_states then jobs, so locking here (jobs
  // then states) could deadlock; a cancellation committing meanwhile finds the job done.
  const { rows } = await sql<{ booking_id: string }>`SELECT booking_id FROM booking_states WHERE booking_id = ANY(${bookingIds}::text[]) AND cancelled_at IS NOT NULL`.execute(trx)
  const cancelled = new Set(rows.map((r) => r.booking_id))
  const userIds = reminders.map((r) => r.user.id)
  const disabled = await disabledChannels(trx, userIds)
  const subscriptions = await pushSubscriptionIds(trx, userIds)
  // The directory holds the newest facts about each booker (the booking event taught it
  // too): a changed address or language since the booking gets the reminder.
  const directory = await readDirectory(trx, userIds)
  const notifications: Sourced<PlannedNotification>[] = []
  const deliveries: NewDelivery[] = []
  const outcomes = jobs.map((job, i): JobOutcome => {
    const reminder = reminders[i]!
    if (cancelled.has(reminder.bookingId)) return 'cancelled'
    const effects = planReminderEffects({ ...reminder, user: latestFacts(reminder.user, EARLIEST, directory) }, disabled, subscriptions)
    for (const n of effects.notifications) notifications.push({ ...n, source: SCHEDULER_SOURCE, eventId: job.id })
    for (const d of effects.deliveries) deliveries.push({ ...d, eventSource: SCHEDULER_SOURCE, eventId: job.id })
    return 'done'
  })
  // As ingest writes: each delivery names its notification (push, the email's open link), plus webhooks.
  await writeEffects(trx, notifications, deliveries)
  return outcomes
}
