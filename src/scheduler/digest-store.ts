import { type Kysely, type Transaction, sql } from 'kysely'
import type { Database } from '../db/schema.js'
import { type DigestLine, type DigestWindow, DIGEST_TEMPLATE, collapseDigestLines, digestWindow, nextDigestWindow } from '../domain/digest.js'
import { type QuietHours, quietHoursEnd } from '../domain/quiet-hours.js'

/** One hall-admin email that goes into a digest instead of out on its own. */
export interface DigestEntry {
  userId: string
  /** The admin's address and language as of this event: the digest uses the latest. */
  destination: string
  locale: string
  recipient: { id: string; name: string; email: string }
  notificationType: string
  cadence: 'hourly' | 'daily'
  /** The admin's time zone (their own, else the hall's, else UTC). */
  zone: string
  line: DigestLine
  eventSource: string
  eventId: string
}

/** How many windows ahead a line may move when each one it tries is already claimed. */
const MAX_WINDOW_STEPS = 4

/**
 * Adds each entry to its admin's digest for the current window, in the ingest transaction.
 * The digest row is unique on (admin, window) and upserted: concurrent transactions (replicas,
 * both transports) meet on the same row, and the upsert's row lock keeps the pipeline from
 * claiming it (SKIP LOCKED) until they commit, so a claimed digest holds every committed line.
 * A digest already claimed (attempts > 0) takes no more lines: those go into the next window.
 */
export async function addToDigests(trx: Transaction<Database>, entries: DigestEntry[], now: Date, dailyAt: string, quietHours: ReadonlyMap<string, QuietHours>): Promise<number> {
  if (entries.length === 0) return 0
  const groups = new Map<string, DigestEntry[]>()
  for (const e of entries) {
    const key = `${e.userId}\u0000${e.cadence}`
    groups.set(key, [...(groups.get(key) ?? []), e])
  }
  // One order for every transaction: two batches for the same admins never wait on each other in a cycle.
  const ordered = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [, group] of ordered) {
    const last = group[group.length - 1]!
    let window: DigestWindow = digestWindow(last.cadence, last.zone, now, dailyAt)
    let digestId: string | undefined
    for (let step = 0; step < MAX_WINDOW_STEPS && !digestId; step++) {
      digestId = await upsertDigest(trx, last, window, quietHours.get(last.userId))
      if (!digestId) window = nextDigestWindow(window, last.cadence, last.zone, dailyAt)
    }
    if (!digestId) throw new Error(`no open digest window for user ${last.userId} within ${MAX_WINDOW_STEPS} windows`)
    const json = JSON.stringify(
      group.map((e) => ({ booking_id: e.line.bookingId, kind: e.line.kind, event_time: e.line.eventTime, details: e.line.details, event_source: e.eventSource, event_id: e.eventId })),
    )
    await sql`
      INSERT INTO digest_items (digest_id, booking_id, kind, event_time, details, event_source, event_id)
      SELECT ${digestId}::uuid, booking_id, kind, event_time, details, event_source, event_id
      FROM json_to_recordset(${json}::json) AS r(booking_id text, kind text, event_time timestamptz, details jsonb, event_source text, event_id text)`.execute(trx)
  }
  return groups.size
}

/** The digest row of this window, created or joined; undefined when it is already claimed or final. */
async function upsertDigest(trx: Transaction<Database>, e: DigestEntry, window: DigestWindow, quiet: QuietHours | undefined): Promise<string | undefined> {
  // A window that ends inside the admin's quiet hours is sent when they end.
  const quietEnd = quiet ? quietHoursEnd(quiet, e.zone, window.end) : null
  const due = quietEnd ?? window.end
  const payload = { recipient: e.recipient, cadence: e.cadence, window: { start: window.start.toISOString(), end: window.end.toISOString(), timeZone: e.zone } }
  const { rows } = await sql<{ id: string }>`
    INSERT INTO deliveries (channel, user_id, destination, notification_type, template, locale, payload, event_source, event_id,
                            next_attempt_at, digest_window, deferred_until, deferral_reason)
    VALUES ('email', ${e.userId}, ${e.destination}, ${e.notificationType}, ${DIGEST_TEMPLATE}, ${e.locale}, ${JSON.stringify(payload)}::jsonb,
            ${e.eventSource}, ${e.eventId}, ${due.toISOString()}::timestamptz, ${window.key}, ${due.toISOString()}::timestamptz,
            ${quietEnd ? `${e.cadence} digest; window end in quiet hours ${quiet!.start}-${quiet!.end} (${e.zone})` : `${e.cadence} digest`})
    ON CONFLICT (user_id, digest_window) WHERE digest_window IS NOT NULL
    DO UPDATE SET destination = excluded.destination, locale = excluded.locale,
                  payload = jsonb_set(deliveries.payload, '{recipient}', excluded.payload->'recipient'), updated_at = now()
    WHERE deliveries.status = 'pending' AND deliveries.attempts = 0
    RETURNING id`.execute(trx)
  return rows[0]?.id
}

/** A digest's lines as it is sent: one per booking, its latest state. */
export async function digestLines(db: Kysely<Database>, digestId: string): Promise<DigestLine[]> {
  const { rows } = await sql<{ booking_id: string; kind: DigestLine['kind']; event_time: Date; details: Record<string, unknown> }>`
    SELECT booking_id, kind, event_time, details FROM digest_items WHERE digest_id = ${digestId}::uuid ORDER BY id`.execute(db)
  return collapseDigestLines(rows.map((r) => ({ bookingId: r.booking_id, kind: r.kind, eventTime: new Date(r.event_time).toISOString(), details: r.details })))
}
