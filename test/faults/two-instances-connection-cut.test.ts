import t from 'tap'
import { publishEvents, waitFor } from '../helpers/app.js'
import { bookingCreated, grace } from '../helpers/events.js'
import { assertEffectsOnce, effectCounts, waitAllEmailsSent } from '../helpers/invariants.js'
import { SmtpSink } from '../helpers/smtp-sink.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'
import { LONG_LEASE, TAKEOVER_BOUND_S, TOTAL, claimsOf, dbNow, everyEmailArrived, instanceId, secondsToLastSent, startInstance } from './two-instances-rig.js'
import { serviceRig } from './service-rig.js'

t.test("the holder's database connection cut, not the process: taken over, and the cut instance stops sending what it held", async (t) => {
  const rig = await serviceRig(t)
  const proxy = new TcpProxy('127.0.0.1', 5432)
  await proxy.start()
  t.teardown(() => proxy.stop())
  // A reaches PostgreSQL through a proxy the test can cut, and mails to a sink of its own.
  const smtpA = new SmtpSink({ parse: false })
  await smtpA.start()
  t.teardown(() => smtpA.stop())
  const proxied = new URL(rig.env.DATABASE_URL!)
  proxied.port = String(proxy.port)
  const a = await startInstance(t, { ...rig.env, ...LONG_LEASE, DATABASE_URL: proxied.toString(), SMTP_URL: smtpA.url })
  await startInstance(t, { ...rig.env, ...LONG_LEASE })
  await publishEvents(rig.exchange, Array.from({ length: TOTAL }, () => bookingCreated({ admins: [grace] })))
  // Every event committed first: A's consumer cannot commit without its database either.
  await waitFor(async () => (await effectCounts(rig.db)).events === TOTAL, { what: 'every event', timeout: 90_000 })

  const held = await claimsOf(rig.db, instanceId(a))
  const cutAt = await dbNow(rig.db)
  proxy.refuse()
  const sentByAAtCut = smtpA.accepted.length

  await waitAllEmailsSent(rig.db, () => rig.smtp.accepted.length + smtpA.accepted.length, 90_000)
  const seconds = await secondsToLastSent(rig.db, held, cutAt)
  t.ok(seconds <= TAKEOVER_BOUND_S, `A's ${held.length} claimed emails all went out ${seconds.toFixed(1)} s after the cut at the latest`)
  const afterCut = smtpA.accepted.slice(sentByAAtCut)
  // Sends already past their liveness check may finish: one per SMTP connection under way, and
  // any that passed it in the instant before the cut was noticed (the next network event).
  // The rest of what A claimed must not go out from A: without the fence it sends nearly all.
  t.ok(afterCut.length <= 2 * 5, `A sent ${afterCut.length} emails after the cut (bound: twice EMAIL_CONCURRENCY = 5), of ${held.length} it had claimed`)
  t.match(a.output(), /liveness lock lost/, 'A noticed it lost its liveness lock')
  await assertEffectsOnce(t, rig.db, { notifications: TOTAL * 2, emails: TOTAL * 2 })
  await everyEmailArrived(t, rig.db, [...rig.smtp.accepted, ...smtpA.accepted])
})
