import t from 'tap'
import { publishEvents, queueDepth, waitFor } from '../helpers/app.js'
import { bookingCreated } from '../helpers/events.js'
import { assertEffectsOnce, effectCounts, waitAllEmailsSent } from '../helpers/invariants.js'
import { startService, waitForOutput } from '../helpers/service-process.js'
import { serviceRig } from './service-rig.js'

t.test('SIGTERM under load: exits within 10 s; a restart finishes the rest, nothing doubled', async (t) => {
  const { smtp, db, env, exchange, queue } = await serviceRig(t)
  const began = Date.now()
  const phase = (what: string) => t.comment(`${what} at ${((Date.now() - began) / 1000).toFixed(1)} s`)

  const first = startService(env)
  t.teardown(() => first.child.kill('SIGKILL'))
  await waitForOutput(first, /consuming events from the broker/)
  // One notification and one email per event (no hall admins): sending, not ingest, is what
  // takes a busy runner longest, and 10,000 emails keep the file well inside its time limit.
  const total = 10_000
  // In two halves: the first until emails are going out, the second to be mid-ingest when
  // the signal comes (on a quiet machine one burst is ingested before the first email is sent).
  const events = Array.from({ length: total }, () => bookingCreated({ admins: [] }))
  await publishEvents(exchange, events.slice(0, total / 2))
  await waitFor(async () => smtp.accepted.length > 100, { what: 'emails going out', timeout: 60_000 })
  await publishEvents(exchange, events.slice(total / 2))
  await waitFor(async () => (await effectCounts(db)).events >= total / 2 + 200, { what: 'the second half being ingested', timeout: 60_000 })

  const signalled = Date.now()
  first.child.kill('SIGTERM')
  const code = await first.exited
  const took = Date.now() - signalled
  t.equal(code, 0, 'a clean exit')
  t.ok(took < 10_000, `exited in ${took} ms`)
  t.match(first.output(), /shutting down/)
  const atStop = await effectCounts(db)
  t.ok(atStop.events < total, `stopped mid-stream, at ${atStop.events} of ${total} events`)
  // Graceful: what was sent was recorded, so the restart sends nothing again.
  const sentAtStop = Number((await db.selectFrom('email_outbox').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'sent').executeTakeFirstOrThrow()).n)
  t.equal(sentAtStop, new Set(smtp.accepted.map((m) => m.messageId)).size, 'every email accepted before the stop is marked sent')

  phase('first process stopped')
  const second = startService(env)
  t.teardown(() => second.child.kill('SIGKILL'))
  await waitFor(async () => (await effectCounts(db)).events === total, { what: 'every event after the restart', timeout: 90_000 })
  await waitFor(async () => (await queueDepth(queue)) === 0, { what: 'the queue to drain' })
  phase('every event processed')
  await assertEffectsOnce(t, db, { notifications: total, emails: total })
  await waitAllEmailsSent(db, () => smtp.accepted.length, 240_000)
  phase('every email sent')
  const distinct = new Set(smtp.accepted.map((m) => m.messageId))
  t.equal(distinct.size, total, 'every email delivered')
  t.equal(smtp.accepted.length, distinct.size, 'none twice')
  second.child.kill('SIGTERM')
  const secondCode = await second.exited
  // On failure, the service's own last words say why.
  t.equal(secondCode, 0, 'SIGTERM: a clean exit', secondCode === 0 ? {} : { output: second.output().slice(-4000) })
})
