import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { BookitEvent } from '../domain/events.js'
import { type BookingEvent, type BookingState, applyBookingEvent, isBookingEvent } from '../domain/booking-order.js'
import { type NewDelivery, insertDeliveries } from '../delivery/delivery-store.js'
import { notificationCreatedWebhooks } from '../delivery/webhook/plan-webhooks.js'
import { type PlannedDelivery, type PlannedNotification, type PushSubscriptionIds, planEffects, recipientIds } from '../domain/plan-effects.js'
import { digestCadenceRowsOf, digestCadencesFrom, digestKey, disabledChannelsFrom, preferenceRowsOf, quietHourRowsOf, quietHoursFrom } from '../notifications/preference-store.js'
import { quietHoursDeferral, recipientZone } from '../domain/quiet-hours.js'
import { DIGEST_KIND } from '../domain/digest.js'
import { type DigestEntry, addToDigests } from '../scheduler/digest-store.js'
import { factsOf, hallMembersOf } from '../domain/directory.js'
import { learnFacts, peopleRowsOf, writeDirectory } from '../directory/directory-store.js'
import { readTogether } from '../db/read-together.js'
import { eraseUsers, erasedUsers, lockUsersForWriting } from '../store/user-erasure.js'
import { type BookingSchedule, syncReminders } from '../scheduler/reminder-jobs.js'

export interface RecordResult {
  /** Events whose effects this call committed. */
  processed: BookitEvent[]
  /** Events already recorded earlier (or twice in this batch): nothing new was written. */
  duplicates: BookitEvent[]
  notifications: { id: string; userId: string; type: string }[]
  /** Deliveries queued, on every channel (the name predates the other channels). */
  emailsQueued: number
}

const eventKey = (e: { source: string; id: string }) => `${e.source}\u0000${e.id}`

async function claimNewEvents(trx: Transaction<Database>, events: BookitEvent[]): Promise<Set<string>> {
  // Sorted so that concurrent batches (replicas, both transports) lock keys in one order.
  const sorted = [...events].sort((a, b) => (eventKey(a) < eventKey(b) ? -1 : 1))
  const json = JSON.stringify(sorted.map((e) => ({ source: e.source, id: e.id, type: e.type })))
  const { rows } = await sql<{ source: string; id: string }>`
    INSERT INTO processed_events (source, id, type)
    SELECT source, id, type FROM json_to_recordset(${json}::json) AS r(source text, id text, type text)
    ON CONFLICT DO NOTHING
    RETURNING source, id`.execute(trx)
  return new Set(rows.map(eventKey))
}

/** The recipients' browsers, read in the transaction that plans their pushes. */
export async function pushSubscriptionIds(trx: Transaction<Database>, userIds: string[]): Promise<PushSubscriptionIds> {
  if (userIds.length === 0) return new Map()
  return pushSubscriptionIdsFrom(await pushSubscriptionRowsOf(trx, userIds).execute())
}

const pushSubscriptionRowsOf = (trx: Transaction<Database>, userIds: readonly string[]) =>
  trx
    .selectFrom('push_subscriptions')
    .select(['id', 'user_id', 'created_at'])
    .where('user_id', '=', sql<string>`ANY(${[...new Set(userIds)]}::text[])`)

/** Each user's subscriptions, oldest first: sorted here, as rows read through JSON (readTogether) keep no order. */
function pushSubscriptionIdsFrom(rows: readonly { id: string; user_id: string; created_at: Date | string }[]): PushSubscriptionIds {
  const byUser = new Map<string, string[]>()
  const oldestFirst = [...rows].sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || (a.id < b.id ? -1 : 1))
  for (const row of oldestFirst) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row.id])
  return byUser
}

export type Sourced<T> = T & { source: string; eventId: string }

// Each batch travels as one JSON document that PostgreSQL expands into rows: one statement
// and one parameter however large the batch, and no per-column array literals to escape.
export async function insertNotifications(trx: Transaction<Database>, rows: Sourced<PlannedNotification>[]) {
  if (rows.length === 0) return []
  const json = JSON.stringify(rows.map((r) => ({ user_id: r.userId, type: r.type, title: r.title, body: r.body, data: r.data, event_source: r.source, event_id: r.eventId })))
  // statement_timestamp(), not the transaction's start: a transaction that waited for a
  // booking's lock writes after the one it waited for, so the later word is also the newest.
  const { rows: inserted } = await sql<{ id: string; user_id: string; type: string; event_source: string; event_id: string }>`
    INSERT INTO notifications (user_id, type, title, body, data, event_source, event_id, created_at)
    SELECT user_id, type, title, body, data, event_source, event_id, statement_timestamp()
    FROM json_to_recordset(${json}::json) AS r(user_id text, type text, title text, body text, data jsonb, event_source text, event_id text)
    RETURNING id, user_id, type, event_source, event_id`.execute(trx)
  return inserted.map((r) => ({ id: r.id, userId: r.user_id, type: r.type, eventSource: r.event_source, eventId: r.event_id }))
}

/**
 * Locks the state rows of the bookings these events are about (in one order, so that
 * replicas and both transports never deadlock) and returns the events that still produce
 * effects: nothing for a booking already cancelled (contract, "Order").
 */
async function applyBookingOrder(trx: Transaction<Database>, events: BookitEvent[]): Promise<{ producing: BookitEvent[]; schedules: BookingSchedule[] }> {
  const bookingEvents = events.filter(isBookingEvent)
  if (bookingEvents.length === 0) return { producing: events, schedules: [] }
  const ids = [...new Set(bookingEvents.map((e) => e.data.booking.id))].sort()
  await sql`INSERT INTO booking_states (booking_id) SELECT unnest(${ids}::text[]) ON CONFLICT DO NOTHING`.execute(trx)
  const { rows } = await sql<{ booking_id: string; cancelled_at: Date | null; last_event_time: Date | null; starts_at: Date | null; last_update_time: Date | null }>`
    SELECT booking_id, cancelled_at, last_event_time, starts_at, last_update_time FROM booking_states
    WHERE booking_id = ANY(${ids}::text[]) ORDER BY booking_id FOR UPDATE`.execute(trx)
  const iso = (d: Date | null) => d?.toISOString() ?? null
  const states = new Map<string, BookingState>(
    rows.map((r) => [
      r.booking_id,
      { bookingId: r.booking_id, cancelledAt: iso(r.cancelled_at), lastEventTime: iso(r.last_event_time), startsAt: iso(r.starts_at), lastUpdateTime: iso(r.last_update_time) },
    ]),
  )
  // Per booking: the event that last set its start in this batch (its reminders follow it).
  const scheduledBy = new Map<string, BookingEvent>()
  const cancelledInBatch = new Set(bookingEvents.filter((e) => e.type === 'booking.cancelled').map((e) => e.data.booking.id))
  const silenced = new Set<BookingEvent>()
  for (const event of bookingEvents) {
    const id = event.data.booking.id
    const { produces, scheduled, next } = applyBookingEvent(states.get(id)!, event, cancelledInBatch.has(id))
    states.set(id, next)
    if (!produces) silenced.add(event)
    if (scheduled) scheduledBy.set(id, event)
  }
  const json = JSON.stringify(
    [...states.values()].map((s) => ({ booking_id: s.bookingId, cancelled_at: s.cancelledAt, last_event_time: s.lastEventTime, starts_at: s.startsAt ?? null, last_update_time: s.lastUpdateTime ?? null })),
  )
  await sql`
    UPDATE booking_states AS b SET cancelled_at = r.cancelled_at, last_event_time = r.last_event_time, starts_at = r.starts_at, last_update_time = r.last_update_time, updated_at = now()
    FROM json_to_recordset(${json}::json) AS r(booking_id text, cancelled_at timestamptz, last_event_time timestamptz, starts_at timestamptz, last_update_time timestamptz)
    WHERE b.booking_id = r.booking_id`.execute(trx)
  const schedules: BookingSchedule[] = ids.map((id) => {
    const cancelled = states.get(id)!.cancelledAt !== null
    const winner = scheduledBy.get(id)
    return { bookingId: id, cancelled, scheduledBy: cancelled || winner?.type === 'booking.cancelled' ? undefined : winner?.data }
  })
  return { producing: silenced.size === 0 ? events : events.filter((e) => !silenced.has(e as BookingEvent)), schedules }
}

/** A hall-admin email as a digest line: what the line shows is taken from the event now. */
function digestEntry(event: BookingEvent, d: PlannedDelivery, cadence: 'hourly' | 'daily', zone: string, now: Date, sourced: { eventSource: string; eventId: string }): DigestEntry {
  const { booking, hall, user } = event.data
  const cancellation = 'cancellation' in event.data ? event.data.cancellation : undefined
  const recipient = (d.payload.recipient as DigestEntry['recipient'] | undefined) ?? { id: d.userId, name: '', email: d.destination }
  return {
    userId: d.userId,
    destination: d.destination,
    locale: d.locale,
    recipient,
    notificationType: d.notificationType,
    cadence,
    zone,
    line: {
      bookingId: booking.id,
      kind: DIGEST_KIND[d.notificationType]!,
      eventTime: event.time ?? now.toISOString(),
      details: {
        booking: { id: booking.id, title: booking.title, startsAt: booking.startsAt, endsAt: booking.endsAt, ...(booking.reference ? { reference: booking.reference } : {}) },
        hall: { id: hall.id, name: hall.name, ...(hall.timeZone ? { timeZone: hall.timeZone } : {}) },
        booker: { name: user.name },
        ...(cancellation?.reason ? { reason: cancellation.reason } : {}),
      },
    },
    ...sourced,
  }
}

export interface RecordOptions {
  /** What an event produces; the domain's `planEffects` unless a test puts a failing step in its place. */
  plan?: typeof planEffects
  /** Now, for quiet hours, digest windows, urgency, reminders whose time has passed and an event without a `time` (default: the system clock). */
  clock?: () => Date
  /** Local time of the daily digest, "HH:MM" (DIGEST_DAILY_AT). */
  digestDailyAt?: string
  /** REMINDER_OFFSETS: the reminders a booking gets (none when absent). */
  reminderOffsetsMs?: readonly number[]
}

/** Thrown to roll back a trial run; never leaves this module. */
class TrialRollback extends Error {}

/**
 * Runs the transaction of `recordEvents` and rolls it back: throws what committing these
 * events would throw, and changes nothing. Finds the event at fault in an all-or-nothing request.
 */
export async function tryRecordEvents(db: Kysely<Database>, events: BookitEvent[], o: RecordOptions = {}): Promise<void> {
  try {
    await db.transaction().execute(async (trx) => {
      await recordIn(trx, dedupe(events).unique, o)
      throw new TrialRollback()
    })
  } catch (err) {
    if (!(err instanceof TrialRollback)) throw err
  }
}

function dedupe(events: BookitEvent[]) {
  const seen = new Set<string>()
  const unique: BookitEvent[] = []
  const duplicates: BookitEvent[] = []
  for (const event of events) {
    if (seen.has(eventKey(event))) duplicates.push(event)
    else {
      seen.add(eventKey(event))
      unique.push(event)
    }
  }
  return { unique, duplicates }
}

/**
 * Commits the effects of a batch of valid events in one transaction, together with the
 * (source, id) of each, so that an event already recorded produces nothing again.
 */
export async function recordEvents(db: Kysely<Database>, events: BookitEvent[], o: RecordOptions = {}): Promise<RecordResult> {
  const { unique, duplicates } = dedupe(events)
  if (unique.length === 0) return { processed: [], duplicates, notifications: [], emailsQueued: 0 }
  const result = await db.transaction().execute((trx) => recordIn(trx, unique, o))
  return { ...result, duplicates: [...duplicates, ...result.duplicates] }
}

async function recordIn(trx: Transaction<Database>, unique: BookitEvent[], o: RecordOptions): Promise<RecordResult> {
  const plan = o.plan ?? planEffects
  const duplicates: BookitEvent[] = []
  const fresh = await claimNewEvents(trx, unique)
  const processed: BookitEvent[] = []
  for (const event of unique) (fresh.has(eventKey(event)) ? processed : duplicates).push(event)

  // An erased user gets nothing, whatever arrives later (or earlier in this batch), and a
  // booking of theirs notifies no one: its messages would name them again.
  const erasing = processed.flatMap((e) => (e.type === 'user.deleted' ? [e.data.user.id] : []))
  const { producing: ordered, schedules } = await applyBookingOrder(trx, processed)
  const now = o.clock?.() ?? new Date()
  // Every processed event teaches the directory, also one whose booking is already cancelled.
  const facts = processed.flatMap((e) => factsOf(e, now.toISOString()))
  const writingFor = [...ordered.flatMap(recipientIds), ...facts.map((f) => f.person.id)]
  await lockUsersForWriting(trx, writingFor)
  const erased = await erasedUsers(trx, writingFor)
  for (const id of erasing) erased.add(id)
  // In this transaction: a reminder exists exactly when its booking's effects are committed
  // (and never for an erased booker).
  const reminderSchedules = erased.size === 0 ? schedules : schedules.map((sch) => (sch.scheduledBy && erased.has(sch.scheduledBy.user.id) ? { ...sch, scheduledBy: undefined } : sch))
  await syncReminders(trx, reminderSchedules, o.reminderOffsetsMs ?? [], now)

  const producing = erased.size === 0 ? ordered : ordered.filter((e) => !('user' in e.data && erased.has(e.data.user.id)))
  const recipients = producing.flatMap(recipientIds).filter((id) => !erased.has(id))
  const learning = facts.filter((f) => !erased.has(f.person.id))
  // One round trip for what planning reads (five statements took about twice as long per batch).
  const read = await readTogether(trx, {
    preferences: preferenceRowsOf(trx, recipients),
    subscriptions: pushSubscriptionRowsOf(trx, recipients),
    quietHours: quietHourRowsOf(trx, recipients),
    digests: digestCadenceRowsOf(trx, recipients),
    people: peopleRowsOf(trx, [...recipients, ...learning.map((f) => f.person.id)]),
  })
  const disabled = disabledChannelsFrom(recipients, read.preferences)
  const subscriptions = pushSubscriptionIdsFrom(read.subscriptions)
  const quietHours = quietHoursFrom(read.quietHours)
  const digests = digestCadencesFrom(read.digests)
  // Merged in memory from an unlocked read; planning addresses what this batch learned.
  const { directory, write: directoryWrite } = learnFacts(read.people, learning, processed.flatMap(hallMembersOf).filter((m) => !erased.has(m.userId)))
  const notifications: Sourced<PlannedNotification>[] = []
  const deliveries: NewDelivery[] = []
  const digestEntries: DigestEntry[] = []
  for (const event of producing) {
    const effects = plan(event, disabled, subscriptions, directory, now)
    for (const n of effects.notifications) if (!erased.has(n.userId)) notifications.push({ ...n, source: event.source, eventId: event.id })
    for (const d of effects.deliveries) {
      if (erased.has(d.userId)) continue
      const sourced = { eventSource: event.source, eventId: event.id }
      // A hall admin who takes a digest gets this email as a line of it, not on its own.
      const cadence = d.channel === 'email' ? digests.get(digestKey(d.userId, d.notificationType)) : undefined
      if (cadence && DIGEST_KIND[d.notificationType] && isBookingEvent(event)) {
        digestEntries.push(digestEntry(event, d, cadence, recipientZone(event, d.userId), now, sourced))
        continue
      }
      const deferral = quietHoursDeferral(event, d, quietHours.get(d.userId), now)
      deliveries.push({ ...d, ...sourced, ...(deferral ? { notBefore: deferral.until.toISOString(), deferralReason: deferral.reason } : {}) })
    }
  }
  // Due now by the app's clock when it has one (tests), else by the database's.
  const inserted = await writeEffects(trx, notifications, deliveries, o.clock ? now : undefined)
  await addToDigests(trx, digestEntries, now, o.digestDailyAt ?? '08:00', quietHours)
  await eraseUsers(trx, erasing)
  // Last, so the people rows it changes (hall admins are in most batches) are locked only
  // until the commit right after: the batches in flight would otherwise queue for them.
  await writeDirectory(trx, directoryWrite)
  // Listeners on every replica hear of the new rows from the table's trigger, on commit.
  return { processed, duplicates, notifications: inserted.map(({ id, userId, type }) => ({ id, userId, type })), emailsQueued: deliveries.length }
}

/**
 * Writes planned notifications and their deliveries (plus the notification.created
 * webhooks) in the caller's transaction; used by ingest and by announcements. `now`: when
 * the deliveries are due (the app's clock in tests); the database's clock when absent.
 */
export async function writeEffects(trx: Transaction<Database>, notifications: Sourced<PlannedNotification>[], deliveries: NewDelivery[], now?: Date) {
  const inserted = await insertNotifications(trx, notifications)
  // Every delivery to a user names its notification (when in-app is on): a push passes it to
  // the service worker, operators see which notification an email or SMS was about, and an
  // email's links can carry it.
  const notificationIds = new Map(inserted.map((n) => [`${n.eventSource}\0${n.eventId}\0${n.userId}\0${n.type}`, n.id]))
  for (const d of deliveries) {
    if (d.channel !== 'webhook') d.notificationId = notificationIds.get(`${d.eventSource}\0${d.eventId}\0${d.userId}\0${d.notificationType}`) ?? null
  }
  deliveries.push(...(await notificationCreatedWebhooks(trx, inserted)))
  await insertDeliveries(trx, deliveries, now)
  return inserted
}
