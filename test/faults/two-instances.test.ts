import t from 'tap'
import { publishEvents, queueDepth, waitFor } from '../helpers/app.js'
import { type Person, bookingCreated } from '../helpers/events.js'
import { assertEffectsOnce, effectCounts, waitAllEmailsSent } from '../helpers/invariants.js'
import { listeningUrl, startService, waitForOutput } from '../helpers/service-process.js'
import { SseClient } from '../helpers/sse-client.js'
import { signToken } from '../helpers/tokens.js'
import { serviceRig } from './service-rig.js'

const watcher: Person = { id: 'u-watcher', email: 'watcher@example.com', name: 'Watcher', locale: 'en' }

t.test('two instances on one queue and one database, 10,000 events: each effect once; B streams what A commits', async (t) => {
  const { smtp, db, env, exchange, queue } = await serviceRig(t)

  const a = startService(env)
  t.teardown(() => a.child.kill('SIGKILL'))
  const urlA = await listeningUrl(a)
  const b = startService(env)
  t.teardown(() => b.child.kill('SIGKILL'))
  const urlB = await listeningUrl(b)
  await waitForOutput(a, /consuming events from the broker/)
  await waitForOutput(b, /consuming events from the broker/)

  const stream = await SseClient.open(`${urlB}/v1/notifications/stream`, { authorization: `Bearer ${signToken(watcher.id)}` })
  t.teardown(() => stream.close())
  await stream.next((f) => f.event === 'unread-count')

  // Every 50th booking is the watcher's: 200 notifications the stream on B must show, once each.
  // One notification and one email per event (no hall admins): sending, not ingest, is what
  // takes a busy runner longest, and 10,000 emails keep the file well inside its time limit.
  const total = 10_000
  const events = Array.from({ length: total }, (_, i) => bookingCreated({ admins: [], ...(i % 50 === 0 ? { user: watcher } : {}) }))
  await publishEvents(exchange, events)

  await waitFor(async () => (await effectCounts(db)).events === total, { what: 'every event', timeout: 120_000 })
  await waitFor(async () => (await queueDepth(queue)) === 0, { what: 'the queue to drain' })
  await assertEffectsOnce(t, db, { notifications: total, emails: total })
  // Each instance's own count of what it committed, from its metrics (not its log lines).
  const committedBy = async (url: string) => {
    const metrics = await (await fetch(`${url}/metrics`)).text()
    return [...metrics.matchAll(/^bookit_events_received_total\{[^}]*transport="amqp"[^}]*outcome="processed"[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0)
  }
  const byA = await committedBy(urlA)
  const byB = await committedBy(urlB)
  t.equal(byA + byB, total, `the two shared the work: A committed ${byA}, B ${byB}`)
  t.ok(byA > 0 && byB > 0, 'both consumed')

  await waitFor(() => stream.events('notification').length >= total / 50, { what: "the watcher's notifications on B", timeout: 30_000 })
  const seen = stream.events('notification').map((n) => (n as { id: string }).id)
  t.equal(new Set(seen).size, total / 50, "B's stream showed each of the watcher's notifications")
  t.equal(seen.length, new Set(seen).size, 'once each')

  // And one that A certainly commits: an HTTP publish to A.
  const publisher = signToken('booking-service', ['events:publish'])
  const response = await fetch(`${urlA}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${publisher}`, 'content-type': 'application/json' }, body: JSON.stringify(bookingCreated({ user: watcher, admins: [], booking: { title: 'Committed by A' } })) })
  t.equal(response.status, 202)
  const frame = await stream.next((f) => f.event === 'notification' && f.data!.includes('Committed by A'))
  t.ok(frame, 'a notification committed on A reached the stream on B')

  await waitAllEmailsSent(db, () => smtp.accepted.length, 240_000)
  const distinct = new Set(smtp.accepted.map((m) => m.messageId))
  t.equal(distinct.size, total + 1, 'every email delivered')
  t.equal(smtp.accepted.length, distinct.size, 'none twice, with two dispatchers claiming side by side')
})
