import type { Kysely } from 'kysely'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Database } from '../db/schema.js'
import { type BookitEvent, EVENT_TYPES } from '../domain/events.js'
import type { Metrics } from '../metrics.js'
import { type RecordOptions, type RecordResult, recordEvents, tryRecordEvents } from './record-events.js'

export type Transport = 'amqp' | 'http'

export interface EventIngestor {
  /** Commits a batch of valid events; throws when the database cannot be used. */
  ingest(events: BookitEvent[], transport: Transport, receivedAt: number[]): Promise<RecordResult>
  /** Runs the events' transaction and rolls it back: throws what `ingest` would throw, changes nothing. */
  probe(events: BookitEvent[]): Promise<void>
  /** Counts an event refused by validation or by the database. */
  countRejected(type: string, transport: Transport, outcome: 'invalid' | 'failed'): void
}

/** The one path from valid events to committed effects, shared by the AMQP and HTTP transports. */
export interface EventIngestorOptions {
  db: Kysely<Database>
  metrics: Metrics
  log: Logger
  /** New deliveries are committed; `batchEvents` is the size of the batch that wrote them. */
  onEmailsQueued: (batchEvents: number) => void
  /** After the commit, with the users who got new notifications. */
  onNotificationsCreated?: (userIds: Set<string>) => void
  /** What an event produces; tests put a throwing step here to make an event fail in planning. */
  plan?: RecordOptions['plan']
  /** Passed to every recording: the clock (tests move it), reminder offsets, the daily digest's local time. */
  record?: Omit<RecordOptions, 'plan'>
}

export function createEventIngestor(o: EventIngestorOptions): EventIngestor {
  const { metrics } = o
  const recordOptions: RecordOptions = { ...o.record, plan: o.plan }
  return {
    async ingest(events, transport, receivedAt) {
      const result = await recordEvents(o.db, events, recordOptions)
      const now = performance.now()
      for (const at of receivedAt) metrics.eventProcessingSeconds.observe({ transport }, (now - at) / 1000)
      metrics.ingestBatchSize.observe(events.length)
      for (const e of result.processed) metrics.eventsReceived.inc({ type: e.type, transport, outcome: 'processed' })
      for (const e of result.duplicates) metrics.eventsReceived.inc({ type: e.type, transport, outcome: 'duplicate' })
      const byType = new Map<string, number>()
      for (const n of result.notifications) byType.set(n.type, (byType.get(n.type) ?? 0) + 1)
      for (const [type, count] of byType) metrics.notificationsCreated.inc({ type }, count)
      if (result.emailsQueued > 0) o.onEmailsQueued(events.length)
      if (result.notifications.length > 0) o.onNotificationsCreated?.(new Set(result.notifications.map((n) => n.userId)))
      o.log.info(
        { transport, events: events.length, processed: result.processed.length, duplicates: result.duplicates.length, notifications: result.notifications.length, emails: result.emailsQueued, eventIds: events.length <= 10 ? events.map((e) => e.id) : undefined },
        'events committed',
      )
      return result
    },
    probe: (events) => tryRecordEvents(o.db, events, recordOptions),
    countRejected(type, transport, outcome) {
      metrics.eventsReceived.inc({ type: EVENT_TYPE_LABELS.has(type) ? type : 'unknown', transport, outcome })
    },
  }
}

// A label value per known type and one for everything else keeps the series count fixed.
const EVENT_TYPE_LABELS: ReadonlySet<string> = new Set(EVENT_TYPES)
