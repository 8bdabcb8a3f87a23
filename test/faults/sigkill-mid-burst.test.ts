import t from 'tap'
import { publishEvents, queueDepth, waitFor } from '../helpers/app.js'
import { bookingCreated } from '../helpers/events.js'
import { assertEffectsOnce, effectCounts, waitAllEmailsSent } from '../helpers/invariants.js'
import { startService, waitForOutput } from '../helpers/service-process.js'
import { serviceRig } from './service-rig.js'

t.test('SIGKILL during a 10,000-event burst, then a restart: every effect exactly once', async (t) => {
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
  await waitFor(async () => smtp.accepted.length > 0, { what: 'emails going out', timeout: 60_000 })
  await publishEvents(exchange, events.slice(total / 2))
  await waitFor(async () => (await effectCounts(db)).events >= total / 2 + 200, { what: 'the second half being ingested', timeout: 60_000 })
  first.child.kill('SIGKILL')
  t.equal(await first.exited, 'SIGKILL', 'killed without a chance to clean up')
  const atCrash = await effectCounts(db)
  t.ok(atCrash.events < total, `killed mid-burst, at ${atCrash.events} of ${total} events`)

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
  // SMTP has no idempotency: an email accepted by the server in the moment before the kill,
  // and not yet marked sent, goes again after the restart, with the same Message-ID.
  // Emails are marked sent as they are accepted, so that is a handful at most.
  t.ok(smtp.accepted.length - distinct.size <= 10, `re-sent after the crash: ${smtp.accepted.length - distinct.size} (same Message-ID)`)

  second.child.kill('SIGTERM')
  const code = await second.exited
  // On failure, the service's own last words say why.
  t.equal(code, 0, 'SIGTERM: a clean exit', code === 0 ? {} : { output: second.output().slice(-4000) })
})
