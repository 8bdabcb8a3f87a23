import { sql } from 'kysely'
import t from 'tap'
import { connectDatabase } from '../../src/db/connect.js'
import { AMQP_URL, JWT_SECRET, brokerNames, createTestDatabase, publishEvents, waitFor } from '../helpers/app.js'
import { ada, bookingCreated, grace } from '../helpers/events.js'
import { type ServiceProcess, serviceEnvironment, startService, waitForOutput } from '../helpers/service-process.js'
import { SmtpSink } from '../helpers/smtp-sink.js'

t.test('SIGKILL while the digest is being sent: still exactly one digest, with every line', async (t) => {
  let victim: ServiceProcess | undefined
  let killedAtRcpt = false
  // The process sending the digest dies in the middle of the SMTP conversation, after its
  // claim and before the server accepted anything.
  const smtp = new SmtpSink({
    rejectRecipient: (address) => {
      if (address === grace.email && victim && !killedAtRcpt) {
        killedAtRcpt = true
        victim.child.kill('SIGKILL')
        return { code: 421, message: 'closing' }
      }
      return undefined
    },
  })
  await smtp.start()
  t.teardown(() => smtp.stop())
  const databaseUrl = await createTestDatabase(t)
  const env = serviceEnvironment({ databaseUrl, smtpUrl: smtp.url, broker: brokerNames(t), amqpUrl: AMQP_URL, jwtSecret: JWT_SECRET })
  const { db } = connectDatabase(databaseUrl, { max: 2 })
  t.teardown(() => db.destroy())
  const start = async () => {
    const service = startService(env)
    t.teardown(() => void service.child.kill('SIGKILL'))
    await waitForOutput(service, /consuming events from the broker/, 60_000)
    await waitForOutput(service, /instance registered/, 30_000)
    return service
  }

  victim = await start()
  await db.insertInto('digest_preferences').values({ user_id: grace.id, type: 'hall_booking_created', cadence: 'hourly' }).execute()
  await db.insertInto('preferences').values({ user_id: ada.id, type: 'booking_confirmed', channel: 'email', enabled: false }).execute()
  await publishEvents(env.AMQP_EXCHANGE!, Array.from({ length: 200 }, (_, i) => bookingCreated({ admins: [grace], booking: { title: `Meeting ${i}` } })))
  await waitFor(async () => (await db.selectFrom('digest_items').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n === 200, { what: '200 digest lines', timeout: 90_000 })
  const digests = await db.selectFrom('deliveries').select(['id', 'status']).where('digest_window', 'is not', null).execute()
  t.equal(digests.length, 1, 'one digest row')

  // The window closes: its due time is moved to now (the service runs on the real clock).
  await sql`UPDATE deliveries SET next_attempt_at = now() WHERE digest_window IS NOT NULL`.execute(db)
  t.equal(await victim.exited, 'SIGKILL', 'killed mid-send')
  t.ok(killedAtRcpt)
  const held = await db.selectFrom('deliveries').select(['status', 'attempts']).where('id', '=', digests[0]!.id).executeTakeFirstOrThrow()
  t.match(held, { status: 'pending', attempts: 1 }, 'claimed once, not sent')

  const survivor = await start()
  const sent = await waitFor(async () => {
    const row = await db.selectFrom('deliveries').select(['status', 'attempts']).where('id', '=', digests[0]!.id).executeTakeFirstOrThrow()
    return row.status === 'sent' && row
  }, { what: 'the digest sent by the survivor', timeout: 60_000 })
  t.equal(sent.attempts, 2)
  t.equal((await db.selectFrom('deliveries').select('id').where('digest_window', 'is not', null).execute()).length, 1, 'still one digest row')
  const mails = smtp.received.filter((m) => m.to === grace.email)
  t.equal(mails.length, 1, 'exactly one digest email')
  t.equal((mails[0]!.parsed.text ?? '').split('\n').filter((l) => l.startsWith('- New: Meeting ')).length, 200, 'with 200 lines')
  t.equal(smtp.received.length, 1, 'and nothing else (no hall-admin alert one by one)')
  t.match(survivor.output(), /took over deliveries claimed by an instance that is gone/)
})
