import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { ChannelName } from '../domain/delivery-channels.js'
import type { Metrics } from '../metrics.js'
import type { Channel } from './channel.js'
import { ChannelDispatcher, type DispatchSettings } from './channel-dispatcher.js'
import { IngestPriority } from './ingest-priority.js'
import { InstanceLiveness, forgetGoneInstances, releaseOrphanedClaims } from './instance-liveness.js'


export interface DeliveryPipelineOptions {
  db: Kysely<Database>
  databaseUrl: string
  channels: Channel[]
  settings: DispatchSettings
  livenessTimeoutMs: number
  metrics: Metrics
  log: Logger
  /** The app's own clock for what is due, when it has one (tests move it); else the database's. */
  clock?: () => Date
}

/**
 * Every channel's dispatcher, the liveness that every claim is recorded under, and the
 * sweep that frees claims whose holder is gone. Knows no channel by name.
 */
export class DeliveryPipeline {
  readonly liveness: InstanceLiveness
  private readonly dispatchers = new Map<ChannelName, ChannelDispatcher>()
  private sweep: NodeJS.Timeout | undefined
  private sweeping: Promise<void> | undefined
  private started = false
  /** Shared by every channel's dispatcher (see afterIngest). */
  private readonly ingestPriority = new IngestPriority()

  constructor(private readonly o: DeliveryPipelineOptions) {
    this.liveness = new InstanceLiveness({
      databaseUrl: o.databaseUrl,
      timeoutMs: o.livenessTimeoutMs,
      log: o.log,
      onLost: () => {
        for (const dispatcher of this.dispatchers.values()) dispatcher.fenceOff()
      },
    })
    for (const channel of o.channels) {
      this.dispatchers.set(
        channel.name,
        new ChannelDispatcher({ channel, db: o.db, settings: o.settings, holder: this.liveness, metrics: o.metrics, log: o.log, ingestHoldMs: () => this.ingestPriority.holdMs(), clock: o.clock }),
      )
    }
  }

  channel(name: ChannelName): Channel | undefined {
    return this.o.channels.find((c) => c.name === name)
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    await this.liveness.start()
    // A dead holder's claims: looked for every second, so a crash costs seconds, not a lease.
    this.sweep = setInterval(() => void this.takeOverOrphans(), Math.min(1_000, this.o.settings.pollMs * 10))
    await this.takeOverOrphans()
    for (const dispatcher of this.dispatchers.values()) dispatcher.start()
  }

  /** Frees the claims of instances that are gone, and wakes the dispatchers to take them. */
  takeOverOrphans(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const released = await releaseOrphanedClaims(this.o.db)
        if (released > 0) {
          this.o.metrics.deliveryClaimsTakenOver.inc(released)
          this.o.log.warn({ deliveries: released }, 'took over deliveries claimed by an instance that is gone')
          this.wake()
        }
      } catch (err) {
        // The database is away: the dispatchers report it; the next sweep tries again.
        this.o.log.debug({ err }, 'could not look for orphaned claims')
      } finally {
        this.sweeping = undefined
      }
    })()
    return this.sweeping
  }

  /** Ingest first, deliveries right after (see IngestPriority); a trickle wakes the dispatchers at once. */
  afterIngest(batchEvents: number): void {
    this.ingestPriority.afterIngest(batchEvents)
    this.wake()
  }

  /** An early look at the queues, e.g. right after new deliveries were committed. */
  wake(channel?: ChannelName): void {
    if (channel) this.dispatchers.get(channel)?.wake()
    else for (const dispatcher of this.dispatchers.values()) dispatcher.wake()
  }

  async stop(): Promise<void> {
    clearInterval(this.sweep)
    await Promise.all([...this.dispatchers.values()].map((d) => d.stop()))
    await this.sweeping
    if (this.started) {
      await forgetGoneInstances(this.o.db).catch(() => {})
      await this.liveness.stop()
    }
    this.started = false
  }
}
