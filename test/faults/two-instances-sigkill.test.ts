import t from 'tap'
import { publishEvents, waitFor } from '../helpers/app.js'
import { bookingCreated, grace } from '../helpers/events.js'
import { assertEffectsOnce, effectCounts, waitAllEmailsSent } from '../helpers/invariants.js'
import { LONG_LEASE, TAKEOVER_BOUND_S, TOTAL, claimsOf, dbNow, everyEmailArrived, instanceId, secondsToLastSent, startInstance } from './two-instances-rig.js'
import { serviceRig } from './service-rig.js'

t.test('SIGKILL the holder mid-burst: its claims are taken over within seconds, not after the lease', async (t) => {
  const rig = await serviceRig(t)
  const env = { ...rig.env, ...LONG_LEASE }
  const a = await startInstance(t, env)
  const b = await startInstance(t, env)
  await publishEvents(rig.exchange, Array.from({ length: TOTAL }, () => bookingCreated({ admins: [grace] })))

  const held = await claimsOf(rig.db, instanceId(a))
  const killedAt = await dbNow(rig.db)
  a.child.kill('SIGKILL')
  t.equal(await a.exited, 'SIGKILL')
  t.comment(`A held ${held.length} claims when killed`)

  await waitFor(async () => (await effectCounts(rig.db)).events === TOTAL, { what: 'every event (B takes the redelivered ones)', timeout: 90_000 })
  await waitAllEmailsSent(rig.db, () => rig.smtp.accepted.length, 90_000)
  const seconds = await secondsToLastSent(rig.db, held, killedAt)
  t.ok(seconds <= TAKEOVER_BOUND_S, `the last of A's claimed emails went out ${seconds.toFixed(1)} s after the kill (bound ${TAKEOVER_BOUND_S} s; the lease is 120 s)`)
  await assertEffectsOnce(t, rig.db, { notifications: TOTAL * 2, emails: TOTAL * 2 })
  await everyEmailArrived(t, rig.db, rig.smtp.accepted)
  t.match(b.output(), /took over deliveries claimed by an instance that is gone/, 'B says it took them over')
})
