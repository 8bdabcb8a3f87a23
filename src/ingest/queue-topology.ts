import type { Channel, ChannelModel } from 'amqplib'
import type { FastifyBaseLogger as Logger } from 'fastify'

/** The dead-letter queue of a queue; invalid messages go there with an `x-error` header. */
export const deadLetterQueue = (queue: string) => `${queue}.dlq`

export interface TopologyOptions {
  exchange: string
  queue: string
  routingKeys: readonly string[]
  queueType: 'quorum' | 'classic'
  deliveryLimit: number
  log: Logger
  /** Queues already warned about: the warning is said once per process, not on every reconnect. */
  warned: Set<string>
}

/**
 * The arguments of a queue the service creates. A quorum queue counts deliveries, so a
 * message that kills the consumer each time (and so is never acknowledged or
 * dead-lettered by us) is dead-lettered by the broker after `deliveryLimit` deliveries.
 */
function queueArguments(o: TopologyOptions, dlq: boolean): Record<string, unknown> {
  if (o.queueType === 'classic') return {}
  if (dlq) return { 'x-queue-type': 'quorum' }
  return { 'x-queue-type': 'quorum', 'x-delivery-limit': o.deliveryLimit, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': deadLetterQueue(o.queue) }
}

/**
 * Declares a queue on a channel of its own: a queue that exists with other arguments (a
 * classic queue from before, another delivery limit) makes the broker close the channel
 * with PRECONDITION_FAILED. Such a queue keeps its type and arguments; we say so once.
 */
async function declareQueue(model: ChannelModel, name: string, args: Record<string, unknown>, o: TopologyOptions): Promise<void> {
  const channel = await model.createChannel()
  // The broker closing this channel is an answer here, not a fault of the connection.
  channel.on('error', () => {})
  try {
    await channel.assertQueue(name, { durable: true, arguments: args })
    await channel.close()
  } catch (err) {
    if ((err as { code?: unknown }).code !== 406) throw err
    if (!o.warned.has(name)) {
      o.warned.add(name)
      o.log.warn({ queue: name, wanted: args, reason: (err as Error).message }, 'the queue exists with other arguments (another type or delivery limit); keeping it as it is')
    }
  }
}

/** Declares the exchange, the queue and its dead-letter queue, and binds the queue to every known routing key. */
export async function declareTopology(model: ChannelModel, channel: Channel, o: TopologyOptions): Promise<void> {
  await channel.assertExchange(o.exchange, 'topic', { durable: true })
  await declareQueue(model, o.queue, queueArguments(o, false), o)
  await declareQueue(model, deadLetterQueue(o.queue), queueArguments(o, true), o)
  for (const key of o.routingKeys) await channel.bindQueue(o.queue, o.exchange, key)
}
