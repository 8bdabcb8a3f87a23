import t from 'tap'
import { migrateToLatest } from '../../src/db/migrate.js'
import { drainQueue, publishEvents, waitFor } from '../helpers/app.js'
import { endHangingSessions, hanging, installEventFaults } from '../helpers/db-faults.js'
import { bookingCreated } from '../helpers/events.js'
import { listeningUrl, startService, waitForOutput } from '../helpers/service-process.js'
import { serviceRig } from './service-rig.js'

t.test('a message that kills the consumer each time it is delivered ends in the dead-letter queue after the limit; the rest flows', async (t) => {
  const { db, env, exchange, queue } = await serviceRig(t)
  await migrateToLatest(db)
  // Processing the marked event hangs in the database; the test kills the process each
  // time that happens, as an out-of-memory kill or a crash in a native module would.
  await installEventFaults(db, { hangSeconds: 600 })
  const limit = 2
  const service = { ...env, AMQP_DELIVERY_LIMIT: String(limit), AMQP_PREFETCH: '10' }
  const processed = async (ids: string[]) => (await db.selectFrom('processed_events').select('id').where('id', 'in', ids).execute()).length

  const poison = bookingCreated({ id: `hang-${Date.now()}`, admins: [] })
  const behind = Array.from({ length: 20 }, () => bookingCreated({ admins: [] }))
  let dead: Awaited<ReturnType<typeof drainQueue>> = []
  let kills = 0
  let redeliveriesSeen = 0
  for (let run = 1; run <= limit + 4 && dead.length === 0; run++) {
    const child = startService(service)
    t.teardown(() => child.child.kill('SIGKILL'))
    const url = await listeningUrl(child)
    await waitForOutput(child, /consuming events from the broker/)
    if (run === 1) await publishEvents(exchange, [poison, ...behind])
    // Either the process gets the poison again (and hangs on it), or the broker has given up on it.
    const outcome = await waitFor(async () => ((await hanging(db)) > 0 ? 'hang' : (dead = await drainQueue(`${queue}.dlq`)).length > 0 ? 'dead' : false), {
      what: `run ${run}: the poison hangs or is dead-lettered`,
      timeout: 60_000,
    })
    if (outcome === 'hang') {
      // Only the poison is held: the events behind it were committed and acknowledged meanwhile.
      await waitFor(async () => /bookit_amqp_unsettled_messages 1\n/.test(await (await fetch(`${url}/metrics`)).text()), { what: `run ${run}: only the poison unsettled`, timeout: 30_000 })
      const metrics = await (await fetch(`${url}/metrics`)).text()
      redeliveriesSeen += Number(/bookit_amqp_redeliveries_total (\d+)/.exec(metrics)?.[1] ?? 0)
      child.child.kill('SIGKILL')
      await child.exited
      kills++
      // The killed process's database session would sleep on, holding the event's row lock.
      await endHangingSessions(db)
      t.comment(`run ${run}: killed while the poison hung`)
    } else {
      child.child.kill('SIGTERM')
      await child.exited
    }
  }

  t.equal(dead.length, 1, 'the broker dead-lettered the poison')
  t.equal(JSON.parse(dead[0]!.content.toString()).id, poison.id)
  const death = (dead[0]!.properties.headers?.['x-death'] as { reason?: string }[] | undefined)?.[0]
  t.equal(death?.reason, 'delivery_limit', 'because of the delivery limit')
  t.ok(kills >= limit, `the process was killed ${kills} times before that (limit ${limit})`)
  t.ok(redeliveriesSeen >= 1, `redeliveries counted from x-delivery-count: ${redeliveriesSeen}`)
  t.equal(await processed(behind.map((e) => e.id)), behind.length, 'every event behind the poison was processed')
  t.equal(await processed([poison.id]), 0, 'the poison left no effects')

  // And the queue flows on after it.
  const last = startService(service)
  t.teardown(() => last.child.kill('SIGKILL'))
  await waitForOutput(last, /consuming events from the broker/)
  const after = Array.from({ length: 5 }, () => bookingCreated({ admins: [] }))
  await publishEvents(exchange, after)
  await waitFor(async () => (await processed(after.map((e) => e.id))) === after.length, { what: 'events published after the poison', timeout: 60_000 })
  t.same(await drainQueue(`${queue}.dlq`), [], 'nothing else dead-lettered')
  last.child.kill('SIGTERM')
  t.equal(await last.exited, 0)
})
