import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { lockDueAnnouncement, markReached, nextRecipients, recordProgress } from '../announcements/announcement-store.js'
import { ANNOUNCEMENT_SOURCE, type AnnouncementChannel, type Audience, planAnnouncement } from '../domain/announcements.js'
import type { NewDelivery } from '../delivery/delivery-store.js'
import type { PlannedNotification } from '../domain/plan-effects.js'
import { type Sourced, pushSubscriptionIds, writeEffects } from '../ingest/record-events.js'
import { disabledChannels } from '../notifications/preference-store.js'

export interface FanOutOptions {
  db: Kysely<Database>
  /** Recipients per transaction: small enough that no transaction is long, large enough to be quick. */
  batchSize: number
  clock: () => Date
}

export interface BatchResult {
  announcementId: string
  /** Recipients reached in this batch. */
  reached: number
  finished: boolean
}

/**
 * One batch of one due announcement, in ONE transaction: lock the announcement (SKIP
 * LOCKED: a replica holding it is left alone), take the next recipients after its cursor,
 * write their notifications and deliveries, advance the cursor and the counts. A crash
 * rolls the whole batch back, so the next run starts at the cursor that was committed; the
 * recipients' unique key makes a second notification impossible even so.
 * Undefined when nothing is due.
 */
export async function fanOutBatch(o: FanOutOptions): Promise<BatchResult | undefined> {
  return o.db.transaction().execute(async (trx) => {
    const now = o.clock()
    const a = await lockDueAnnouncement(trx, now)
    if (!a) return undefined
    const audience = a.audience as unknown as Audience
    const batch = await nextRecipients(trx, audience, a.cursor, o.batchSize)
    const reached = await markReached(trx, a.id, batch.map((r) => r.userId))
    const recipients = batch.filter((r) => reached.has(r.userId))
    const ids = recipients.map((r) => r.userId)
    const channels = a.channels as AnnouncementChannel[]
    const disabled = await disabledChannels(trx, ids)
    const subscriptions = channels.includes('push') ? await pushSubscriptionIds(trx, ids) : new Map<string, string[]>()
    const effects = planAnnouncement({ id: a.id, title: a.title, body: a.body, url: a.url, channels }, recipients, disabled, subscriptions)
    const sourced = { source: ANNOUNCEMENT_SOURCE, eventId: a.id }
    const notifications: Sourced<PlannedNotification>[] = effects.notifications.map((n) => ({ ...n, ...sourced }))
    const deliveries: NewDelivery[] = effects.deliveries.map((d) => ({ ...d, eventSource: ANNOUNCEMENT_SOURCE, eventId: a.id }))
    await writeEffects(trx, notifications, deliveries)
    const finished = batch.length < o.batchSize
    await recordProgress(
      trx,
      a.id,
      {
        cursor: batch.at(-1)?.userId ?? a.cursor,
        recipients: recipients.length,
        inApp: notifications.length,
        email: effects.deliveries.filter((d) => d.channel === 'email').length,
        push: effects.deliveries.filter((d) => d.channel === 'push').length,
        finished,
      },
      now,
    )
    return { announcementId: a.id, reached: recipients.length, finished }
  })
}

export interface FanOutLoopOptions extends FanOutOptions {
  /** How often to look for due announcements when there is nothing to do. */
  pollMs: number
  log: Logger
  /** Called after each committed batch (deliveries to wake, metrics). */
  onBatch?: (result: BatchResult) => void
}

/**
 * Fans out due announcements, batch after batch, in the background. Between batches it
 * gives the event loop back (so ingest on this process is not starved); with nothing due
 * it waits `pollMs` or until woken (a new announcement).
 */
export class AnnouncementFanout {
  private stopped = true
  private running: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  private wakeUp: (() => void) | undefined

  constructor(private readonly o: FanOutLoopOptions) {}

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.running = this.loop()
  }

  /** Looks for due work now instead of at the next poll. */
  wake(): void {
    this.wakeUp?.()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wake()
    await this.running
    this.running = undefined
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let result: BatchResult | undefined
      try {
        result = await fanOutBatch(this.o)
      } catch (err) {
        this.o.log.error({ err }, 'announcement fan-out batch failed; it is tried again from its cursor')
      }
      if (this.stopped) break
      if (result) {
        this.o.onBatch?.(result)
        if (result.finished) this.o.log.info({ announcementId: result.announcementId }, 'announcement fanned out to its whole audience')
        await new Promise((resolve) => setImmediate(resolve))
      } else {
        await this.idle(this.o.pollMs)
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.timer)
        this.wakeUp = undefined
        resolve()
      }
      this.wakeUp = done
      this.timer = setTimeout(done, ms)
      this.timer.unref()
    })
  }
}
