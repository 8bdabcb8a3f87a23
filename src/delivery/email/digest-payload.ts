import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.js'
import { formatTimeRange, pickLocale } from '../../domain/format-time.js'
import { digestLines } from '../../scheduler/digest-store.js'
import type { DeliveryJob } from '../channel.js'

/**
 * A digest's payload as it is sent: its lines are read now, after the claim, so they are
 * every line committed to its window (see addToDigests), one per booking.
 */
export async function digestPayload(db: Kysely<Database>, job: DeliveryJob): Promise<Record<string, unknown>> {
  const lang = pickLocale(job.locale)
  const window = job.payload.window as { start: string; end: string; timeZone: string }
  const lines = (await digestLines(db, job.id)).map((line) => {
    const { booking, hall } = line.details as { booking: { startsAt: string; endsAt: string }; hall: { timeZone?: string } }
    return { ...line, when: formatTimeRange(booking.startsAt, booking.endsAt, hall.timeZone, lang) }
  })
  const counts = { created: 0, updated: 0, cancelled: 0 }
  for (const line of lines) counts[line.kind]++
  return { ...job.payload, lines, counts, windowText: formatTimeRange(window.start, window.end, window.timeZone, lang) }
}
