/**
 * Publishes the sample events in examples/ to the exchange, as an upstream service would.
 * usage: npm run publish-samples [-- examples/booking.created.json ...]
 * Uses AMQP_URL (default amqp://guest:guest@127.0.0.1:5672) and AMQP_EXCHANGE.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import amqp from 'amqplib'

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const exchange = process.env.AMQP_EXCHANGE ?? 'bookit.events'
// In the order things happen: a cancellation is final, so a booking.created after it would be ignored.
const STORY = ['user.created.json', 'booking.created.json', 'booking.cancelled.json']
const rank = (f: string) => (STORY.includes(f) ? STORY.indexOf(f) : STORY.length)
const inStoryOrder = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b)
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : (await readdir('examples')).filter((f) => f.endsWith('.json')).sort(inStoryOrder).map((f) => join('examples', f))

const connection = await amqp.connect(url, { noDelay: true })
const channel = await connection.createConfirmChannel()
await channel.assertExchange(exchange, 'topic', { durable: true })
for (const file of files) {
  const event = JSON.parse(await readFile(file, 'utf8')) as { type: string; id: string }
  channel.publish(exchange, event.type, Buffer.from(JSON.stringify(event)), { persistent: true, contentType: 'application/cloudevents+json', messageId: event.id })
  console.log(`published ${event.type} ${event.id} (${file})`)
}
await channel.waitForConfirms()
await connection.close()
