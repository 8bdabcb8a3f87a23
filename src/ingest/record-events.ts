import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import type { BookitEvent } from '../domain/events.js'
import { type NewDelivery, insertDeliveries } from '../delivery/delivery-store.js'
import { type DisabledChannels, type PlannedNotification, disabledKey, planEffects, recipientIds } from '../domain/plan-effects.js'
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
    .select(['user_id', 'type', 'email', 'in_app'])
    .where('user_id', '=', sql<string>`ANY(${[...new Set(userIds)]}::text[])`)
    .where((eb) => eb.or([eb('email', '=', false), eb('in_app', '=', false)]))
    .execute()
  const disabled = new Set<string>()
  for (const row of rows) {
    if (!row.email) disabled.add(disabledKey(row.user_id, row.type, 'email'))
    if (!row.in_app) disabled.add(disabledKey(row.user_id, row.type, 'inApp'))
  }
  return disabled
}

type Sourced<T> = T & { source: string; eventId: string }

// Each batch travels as one JSON document that PostgreSQL expands into rows: one statement
// and one parameter however large the batch, and no per-column array literals to escape.
async function insertNotifications(trx: Transaction<Database>, rows: Sourced<PlannedNotification>[]) {
  if (rows.length === 0) return []
  const json = JSON.stringify(rows.map((r) => ({ user_id: r.userId, type: r.type, title: r.title, body: r.body, data: r.data, event_source: r.source, event_id: r.eventId })))
  const { rows: inserted } = await sql<{ id: string; user_id: string; type: string }>`
    INSERT INTO notifications (user_id, type, title, body, data, event_source, event_id)
    SELECT user_id, type, title, body, data, event_source, event_id
    FROM json_to_recordset(${json}::json) AS r(user_id text, type text, title text, body text, data jsonb, event_source text, event_id text)
    RETURNING id, user_id, type`.execute(trx)
  return inserted.map((r) => ({ id: r.id, userId: r.user_id, type: r.type }))
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

    const disabled = await disabledChannels(trx, processed.flatMap(recipientIds))
    const notifications: Sourced<PlannedNotification>[] = []
    const deliveries: NewDelivery[] = []
    for (const event of processed) {
      const effects = planEffects(event, disabled)
      for (const n of effects.notifications) notifications.push({ ...n, source: event.source, eventId: event.id })
      for (const d of effects.deliveries) deliveries.push({ ...d, eventSource: event.source, eventId: event.id })
    }
    const inserted = await insertNotifications(trx, notifications)
    await insertDeliveries(trx, deliveries)
    // Delivered to listeners on every replica only when this transaction commits.
    await publishNotificationsCreated(trx, inserted)
    return { processed, duplicates, notifications: inserted, emailsQueued: deliveries.length }
  })
}
