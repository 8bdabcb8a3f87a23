import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { BookitEvent } from '../domain/events.js'
import { type NewDelivery, insertDeliveries } from '../delivery/delivery-store.js'
import { type DisabledChannels, type PlannedNotification, type PushSubscriptionIds, disabledKey, planEffects, recipientIds } from '../domain/plan-effects.js'
import { publishNotificationsCreated } from '../live/notification-channel.js'

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

async function disabledChannels(trx: Transaction<Database>, userIds: string[]): Promise<DisabledChannels> {
  if (userIds.length === 0) return new Set()
  const rows = await trx
    .selectFrom('preferences')
    .select(['user_id', 'type', 'email', 'in_app', 'push'])
    .where('user_id', '=', sql<string>`ANY(${[...new Set(userIds)]}::text[])`)
    .where((eb) => eb.or([eb('email', '=', false), eb('in_app', '=', false), eb('push', '=', false)]))
    .execute()
  const disabled = new Set<string>()
  for (const row of rows) {
    if (!row.email) disabled.add(disabledKey(row.user_id, row.type, 'email'))
    if (!row.in_app) disabled.add(disabledKey(row.user_id, row.type, 'inApp'))
    if (!row.push) disabled.add(disabledKey(row.user_id, row.type, 'push'))
  }
  return disabled
}

/** The recipients' browsers, read in the transaction that plans their pushes. */
async function pushSubscriptionIds(trx: Transaction<Database>, userIds: string[]): Promise<PushSubscriptionIds> {
  if (userIds.length === 0) return new Map()
  const rows = await trx
    .selectFrom('push_subscriptions')
    .select(['id', 'user_id'])
    .where('user_id', '=', sql<string>`ANY(${[...new Set(userIds)]}::text[])`)
    .orderBy('created_at')
    .execute()
  const byUser = new Map<string, string[]>()
  for (const row of rows) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row.id])
  return byUser
}

type Sourced<T> = T & { source: string; eventId: string }

// Each batch travels as one JSON document that PostgreSQL expands into rows: one statement
// and one parameter however large the batch, and no per-column array literals to escape.
async function insertNotifications(trx: Transaction<Database>, rows: Sourced<PlannedNotification>[]) {
  if (rows.length === 0) return []
  const json = JSON.stringify(rows.map((r) => ({ user_id: r.userId, type: r.type, title: r.title, body: r.body, data: r.data, event_source: r.source, event_id: r.eventId })))
  const { rows: inserted } = await sql<{ id: string; user_id: string; type: string; event_source: string; event_id: string }>`
    INSERT INTO notifications (user_id, type, title, body, data, event_source, event_id)
    SELECT user_id, type, title, body, data, event_source, event_id
    FROM json_to_recordset(${json}::json) AS r(user_id text, type text, title text, body text, data jsonb, event_source text, event_id text)
    RETURNING id, user_id, type, event_source, event_id`.execute(trx)
  return inserted.map((r) => ({ id: r.id, userId: r.user_id, type: r.type, eventSource: r.event_source, eventId: r.event_id }))
}

/**
 * Commits the effects of a batch of valid events in one transaction, together with the
 * (source, id) of each, so that an event already recorded produces nothing again.
 */
export async function recordEvents(db: Kysely<Database>, events: BookitEvent[]): Promise<RecordResult> {
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
  if (unique.length === 0) return { processed: [], duplicates, notifications: [], emailsQueued: 0 }

  return db.transaction().execute(async (trx) => {
    const fresh = await claimNewEvents(trx, unique)
    const processed: BookitEvent[] = []
    for (const event of unique) (fresh.has(eventKey(event)) ? processed : duplicates).push(event)

    const recipients = processed.flatMap(recipientIds)
    const disabled = await disabledChannels(trx, recipients)
    const subscriptions = await pushSubscriptionIds(trx, recipients)
    const notifications: Sourced<PlannedNotification>[] = []
    const deliveries: NewDelivery[] = []
    for (const event of processed) {
      const effects = planEffects(event, disabled, subscriptions)
      for (const n of effects.notifications) notifications.push({ ...n, source: event.source, eventId: event.id })
      for (const d of effects.deliveries) deliveries.push({ ...d, eventSource: event.source, eventId: event.id })
    }
    const inserted = await insertNotifications(trx, notifications)
    // A push names its notification (the service worker passes the id on when it is opened).
    const notificationIds = new Map(inserted.map((n) => [`${n.eventSource}\0${n.eventId}\0${n.userId}\0${n.type}`, n.id]))
    for (const d of deliveries) {
      if (d.channel === 'push') d.notificationId = notificationIds.get(`${d.eventSource}\0${d.eventId}\0${d.userId}\0${d.notificationType}`) ?? null
    }
    await insertDeliveries(trx, deliveries)
    const created = inserted.map(({ id, userId, type }) => ({ id, userId, type }))
    // Delivered to listeners on every replica only when this transaction commits.
    await publishNotificationsCreated(trx, created)
    return { processed, duplicates, notifications: created, emailsQueued: deliveries.length }
  })
}
