import t from 'tap'
import { IngestPriority } from '../src/delivery/ingest-priority.js'

// The rule the dispatchers share during a burst of ingest, on a clock the test gives.
t.test('a burst holds every channel; one window in 5 s goes out for the whole pipeline, not one per channel', async (t) => {
  const priority = new IngestPriority()
  const start = 1_000_000
  t.equal(priority.holdMs(start), 0, 'no burst: claim at once')
  priority.afterIngest(5, start)
  t.equal(priority.holdMs(start), 0, 'small batches (a trickle) hold nothing')

  // A burst that goes on: the consumer commits a large batch every 100 ms.
  let now = start
  const passes: { at: number; channel: string }[] = []
  const holds: number[] = []
  const channels = ['email', 'push', 'sms', 'webhook']
  for (; now < start + 20_000; now += 50) {
    if ((now - start) % 100 === 0) priority.afterIngest(200, now)
    for (const channel of channels) {
      const hold = priority.holdMs(now)
      if (hold === 0) passes.push({ at: now - start, channel })
      else holds.push(hold)
    }
  }
  t.same(passes.map((p) => p.at), [5_000, 10_000, 15_000], 'one window every 5 s, for all four channels together')
  t.ok(Math.min(...holds) > 0 && Math.max(...holds) <= 250, 'otherwise held, at most the quiet time before looking again')

  // The burst ends: no large batch for longer than the quiet time.
  now += 300
  t.same(channels.map(() => priority.holdMs(now)), [0, 0, 0, 0], 'after the burst every channel claims at once')
})
