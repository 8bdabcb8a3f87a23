import amqp from 'amqplib'
import pg from 'pg'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { AMQP_URL, deleteBrokerNames, fillQueue, uniqueName, waitUntil } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'

/** A scratch database with the service's schema, for one run. */
export async function freshDatabase(purpose: string) {
  const scratch = await createScratchDatabase(purpose)
  const handle = connectDatabase(scratch.url, { max: 2 })
  await migrateToLatest(handle.db)
  return { ...scratch, ...handle }
}

export const countProcessedEvents = async (pool: pg.Pool) => Number((await pool.query('SELECT count(*)::int AS n FROM processed_events')).rows[0].n)

type BookingEvent = { id: string; source: string; type: string; data: { user: Person; hallAdmins: Person[]; booking: { id: string; title: string }; hall: { name: string } } }
type Person = { id: string; email: string }

/**
 * The practical limit of broker + database here: consume, insert the same rows, ack.
 * amqplib consume (prefetch 1000) + one multi-row INSERT per table per 500 messages, no
 * validation, preferences, idempotency or channels. Returns events committed per second.
 */
export async function handWrittenDrain(events: BookingEvent[]): Promise<number> {
  const total = events.length
  const db = await freshDatabase('ingest_base')
  const exchange = uniqueName('bench.base')
  const queue = uniqueName('bench.base.q')
  await fillQueue(exchange, queue, events)
  const writer = new pg.Pool({ connectionString: db.url, max: 1 })
  const connection = await amqp.connect(AMQP_URL)
  const channel = await connection.createChannel()
  await channel.prefetch(1000)
  let buffer: amqp.ConsumeMessage[] = []
  let flushing = false
  let done = 0
  const flush = async () => {
    if (flushing || buffer.length === 0) return
    flushing = true
    const batch = buffer.splice(0, 500)
    const parsed = batch.map((m) => JSON.parse(m.content.toString()) as BookingEvent)
    const values: unknown[] = []
    const n: string[] = []
    const e: string[] = []
    const p: string[] = []
    for (const ev of parsed) {
      const people = [ev.data.user, ...ev.data.hallAdmins]
      p.push(`($${values.push(ev.source)}, $${values.push(ev.id)}, $${values.push(ev.type)})`)
      for (const who of people) {
        n.push(`($${values.push(who.id)}, 'booking_confirmed', $${values.push(ev.data.booking.title)}, $${values.push(ev.data.hall.name)}, $${values.push(JSON.stringify({ bookingId: ev.data.booking.id }))}, $${values.push(ev.source)}, $${values.push(ev.id)})`)
        e.push(`($${values.push(who.id)}, $${values.push(who.email)}, 'booking_confirmed', 'booking-confirmed', 'en', $${values.push(JSON.stringify(ev.data))}, $${values.push(ev.source)}, $${values.push(ev.id)})`)
      }
    }
    // One statement for the three tables, parameters numbered across the whole batch.
    const c2 = await writer.connect()
    try {
      await c2.query('BEGIN')
      await c2.query(`WITH a AS (INSERT INTO processed_events (source, id, type) VALUES ${p.join(',')}),
                           b AS (INSERT INTO notifications (user_id, type, title, body, data, event_source, event_id) VALUES ${n.join(',')})
                      INSERT INTO email_outbox (user_id, recipient, notification_type, template, locale, payload, event_source, event_id) VALUES ${e.join(',')}`, values)
      await c2.query('COMMIT')
    } finally {
      c2.release()
    }
    channel.ack(batch[batch.length - 1]!, true)
    done += batch.length
    flushing = false
    void flush()
  }
  const started = performance.now()
  await channel.consume(queue, (m) => {
    if (!m) return
    buffer.push(m)
    setImmediate(() => void flush())
  })
  await waitUntil(() => done >= total, 300_000, 'the baseline drain')
  const seconds = (performance.now() - started) / 1000
  if ((await countProcessedEvents(db.pool)) !== total) throw new Error('baseline lost events')
  await connection.close()
  await writer.end()
  await db.db.destroy()
  await db.drop()
  await deleteBrokerNames(exchange, queue)
  return total / seconds
}
