import t from 'tap'
import { publishEvents, waitFor } from '../helpers/app.js'
import { bookingCreated, grace } from '../helpers/events.js'
import { assertEffectsOnce, effectCounts, waitAllEmailsSent } from '../helpers/invariants.js'
import { waitForOutput } from '../helpers/service-process.js'
import { SmtpSink } from '../helpers/smtp-sink.js'
import { LONG_LEASE, TAKEOVER_BOUND_S, TOTAL, claimsOf, dbNow, everyEmailArrived, instanceId, secondsToLastSent, startInstance } from './two-instances-rig.js'
import { serviceRig } from './service-rig.js'

t.test('SIGSTOP the holder past the liveness timeout, then SIGCONT: taken over, and the paused instance does not send what it lost', async (t) => {
  const rig = await serviceRig(t)
  const smtpA = new SmtpSink({ parse: false })
  await smtpA.start()
  t.teardown(() => smtpA.stop())
  const liveness = { LIVENESS_TIMEOUT_MS: '2000' }
  const a = await startInstance(t, { ...rig.env, ...LONG_LEASE, ...liveness, SMTP_URL: smtpA.url })
  await startInstance(t, { ...rig.env, ...LONG_LEASE, ...liveness })
  await publishEvents(rig.exchange, Array.from({ length: TOTAL }, () => bookingCreated({ admins: [grace] })))
  await waitFor(async () => (await effectCounts(rig.db)).events === TOTAL, { what: 'every event', timeout: 90_000 })

  const held = await claimsOf(rig.db, instanceId(a))
  const stoppedAt = await dbNow(rig.db)
  a.child.kill('SIGSTOP')
  // B takes A's claims once the database has ended A's silent session (2 s without a heartbeat).
  await waitFor(async () => (await rig.db.selectFrom('deliveries').select('id').where('id', 'in', held).where('status', '=', 'sent').execute()).length === held.length, {
    what: "A's claims sent by B",
    timeout: 30_000,
  })
  const seconds = await secondsToLastSent(rig.db, held, stoppedAt)
  t.ok(seconds <= TAKEOVER_BOUND_S, `A's ${held.length} claimed emails all went out ${seconds.toFixed(1)} s after the pause began`)

  const sentByABeforeResume = smtpA.accepted.length
  a.child.kill('SIGCONT')
  await waitForOutput(a, /liveness lock lost/, 30_000)
  await waitAllEmailsSent(rig.db, () => rig.smtp.accepted.length + smtpA.accepted.length, 90_000)
  const sentByB = new Set(rig.smtp.accepted.map((m) => m.messageId))
  const twice = smtpA.accepted.slice(sentByABeforeResume).filter((m) => sentByB.has(m.messageId))
  // The remaining window: a send already past its liveness check when the pause began finishes after it.
  t.ok(twice.length <= 5, `sent again by A after it resumed: ${twice.length} (at most EMAIL_CONCURRENCY = 5 sends under way at the pause), of ${held.length} it had claimed`)
  await assertEffectsOnce(t, rig.db, { notifications: TOTAL * 2, emails: TOTAL * 2 })
  await everyEmailArrived(t, rig.db, [...rig.smtp.accepted, ...smtpA.accepted])
})
