import type { Channel, ChannelModel } from 'amqplib'

export interface QueueDepth {
  queue: string
  /** Messages ready in the broker, not yet handed to a consumer (unacknowledged ones are not counted). */
  messages: number
  consumers: number
}

export interface QueueDepthReaderOptions {
  queues: readonly string[]
  /** The broker connection as it is now; undefined while it is down (then nothing is read, nothing waits). */
  model: () => ChannelModel | undefined
  /** One read of all the queues gives up after this long: a broker that stops answering must not hold up a scrape. */
  timeoutMs: number
}

/**
 * Reads the message counts of the service's queues with a passive `checkQueue`, on a
 * channel of its own on the consumer's connection: a queue that is missing makes the
 * broker close the channel it was asked on (404), and that must never be the consumer's.
 */
export class QueueDepthReader {
  private channel: { model: ChannelModel; open: Promise<Channel> } | undefined

  constructor(private readonly o: QueueDepthReaderOptions) {}

  /** The counts of the queues that could be read now; a queue left out could not be (broker away, queue missing, no answer in time). */
  async read(): Promise<QueueDepth[]> {
    const model = this.o.model()
    if (!model) {
      this.channel = undefined
      return []
    }
    const depths: QueueDepth[] = []
    const deadline = Date.now() + this.o.timeoutMs
    for (const queue of this.o.queues) {
      const left = deadline - Date.now()
      if (left <= 0) break
      const channel = this.channelOn(model)
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)))
      try {
        const answer = await Promise.race([channel.open.then((c) => c.checkQueue(queue)), timeout])
        if (answer === 'timeout') {
          // A late answer would come on a channel we no longer trust: the next read opens another.
          this.forget(channel)
          break
        }
        depths.push({ queue, messages: answer.messageCount, consumers: answer.consumerCount })
      } catch {
        // The queue is missing (the broker closed the channel) or the connection went away:
        // this queue is left out of the scrape, and the next queue gets a fresh channel.
        this.forget(channel)
      } finally {
        clearTimeout(timer)
      }
    }
    return depths
  }

  private channelOn(model: ChannelModel): NonNullable<QueueDepthReader['channel']> {
    if (this.channel?.model === model) return this.channel
    const entry = { model, open: model.createChannel() }
    entry.open.then(
      (channel) => {
        // The broker closing this channel (a missing queue) is an answer, not a fault to crash on.
        channel.on('error', () => {})
        channel.on('close', () => this.forget(entry))
      },
      () => this.forget(entry),
    )
    this.channel = entry
    return entry
  }

  private forget(entry: NonNullable<QueueDepthReader['channel']>): void {
    if (this.channel !== entry) return
    this.channel = undefined
    entry.open.then((channel) => channel.close()).catch(() => {})
  }
}
