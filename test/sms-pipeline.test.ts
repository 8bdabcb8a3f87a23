import { randomUUID } from 'node:crypto'
import t from 'tap'
import { insertDeliveries } from '../src/delivery/delivery-store.js'
import { createSmsChannel } from '../src/delivery/sms/index.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { TestSmsc } from './helpers/smsc.js'
import { WebhookReceiver } from './helpers/webhook-receiver.js'

// SMS through the real delivery pipeline and a real SMPP server: a delivery row as planning
// writes it, sent, then failed by the SMSC's receipt, retried by an operator.
const smsc = new TestSmsc()
await smsc.start()
t.teardown(() => smsc.stop())
const { app, logs } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMS_URL: smsc.url() })
const operator = auth(app, 'ops-1', ['notifications:admin'])
const receiver = new WebhookReceiver()
await receiver.start()
t.teardown(() => receiver.stop())
const endpoint = (await app.inject({ method: 'POST', url: '/v1/admin/webhooks', headers: operator, payload: { url: receiver.url, events: ['delivery.sent', 'delivery.failed', 'delivery.delivered'] } })).json()
receiver.secrets = [endpoint.secret]

const status = async (id: string) => (await app.db.selectFrom('deliveries').select(['status', 'last_error', 'provider_id']).where('id', '=', id).executeTakeFirstOrThrow())
async function planSms(text: string, destination = '+4915112345678'): Promise<string> {
  const eventId = randomUUID()
  await insertDeliveries(app.db, [{ channel: 'sms', userId: 'u-42', destination, notificationType: 'booking_cancelled', template: 'sms', locale: 'en', payload: { text }, eventSource: '/test', eventId }])
  app.deliveries.wake('sms')
  return (await app.db.selectFrom('deliveries').select('id').where('event_id', '=', eventId).executeTakeFirstOrThrow()).id
}

t.test('an SMS is sent by the pipeline; an UNDELIV receipt fails it; an operator retry sends it again', async (t) => {
  const text = 'BookIT: Buchung storniert: Quartalsbericht. Main Hall, 1.12. 10:00.'
  await insertDeliveries(app.db, [{ channel: 'sms', userId: 'u-42', destination: '+4915112345678', notificationType: 'booking_cancelled', template: 'sms', locale: 'de', payload: { text }, eventSource: '/test', eventId: randomUUID() }])
  const { id } = await app.db.selectFrom('deliveries').select('id').where('channel', '=', 'sms').executeTakeFirstOrThrow()
  app.deliveries.wake('sms')
  await waitFor(async () => (await status(id)).status === 'sent', { what: 'SMS sent' })
  t.equal(smsc.submits.length, 1)
  t.match(smsc.submits[0], { to: '4915112345678', text, dataCoding: 0 })

  t.equal(await smsc.receipt(String(smsc.submits[0]?.messageId), 'UNDELIV'), 0)
  await waitFor(async () => (await status(id)).status === 'failed', { what: 'failed by the receipt' })
  t.match(await status(id), { last_error: /undelivered \(receipt stat:UNDELIV\)/, provider_id: smsc.submits[0]?.messageId })

  const retry = await app.inject({ method: 'POST', url: `/v1/admin/deliveries/${id}/retry`, headers: operator })
  t.equal(retry.statusCode, 200)
  await waitFor(() => smsc.submits.length === 2, { what: 'sent again' })
  await waitFor(async () => (await status(id)).status === 'sent', { what: 'sent after the retry' })
  t.equal(smsc.submits[1]?.text, text)
  t.equal(await smsc.receipt(String(smsc.submits[1]?.messageId), 'DELIVRD'), 0)
  await waitFor(async () => (await status(id)).status === 'delivered', { what: 'delivered by the receipt' })
  t.equal((await status(id)).provider_id, smsc.submits[1]?.messageId, "the provider id is the resent part's SMSC message id")
  // Operators' endpoint heard the whole story: sent, failed (the receipt), sent, delivered.
  await waitFor(() => receiver.calls.length === 4, { what: 'four delivery webhooks' })
  const events = receiver.calls.map((c) => JSON.parse(c.body) as { type: string; data: { delivery: { id: string; channel: string } } })
  t.same(events.map((e) => e.type).sort(), ['delivery.delivered', 'delivery.failed', 'delivery.sent', 'delivery.sent'])
  t.ok(events.every((e) => e.data.delivery.id === id && e.data.delivery.channel === 'sms'))
  t.ok(receiver.calls.every((c) => c.verifiedBy.length === 1))
  t.notMatch(logs.text, smsc.password, 'the SMSC password is never logged')
})

t.test('a long SMS is delivered when every part is: status delivered, its SMSC ids as provider id, listed by ?status=delivered', async (t) => {
  const first = smsc.submits.length
  const id = await planSms('Ж'.repeat(150))
  await waitFor(async () => (await status(id)).status === 'sent', { what: 'SMS sent' })
  const parts = smsc.submits.slice(first)
  t.equal(parts.length, 3, 'three UCS-2 parts')
  t.equal((await status(id)).provider_id, parts.map((p) => p.messageId).join(','), 'every part\'s message id, in order')

  t.equal(await smsc.receipt(String(parts[0]?.messageId), 'DELIVRD'), 0)
  t.equal(await smsc.receipt(String(parts[1]?.messageId), 'DELIVRD'), 0)
  // Receipts are applied as they come; wait until the second one is in before checking it changed nothing.
  await waitFor(async () => (await app.db.selectFrom('sms_messages').select('status').where('delivery_id', '=', id).where('status', '=', 'delivered').execute()).length === 2, { what: 'two receipts recorded' })
  t.equal((await status(id)).status, 'sent', 'not delivered while a part is not')
  t.equal(await smsc.receipt(String(parts[2]?.messageId), 'DELIVRD'), 0)
  await waitFor(async () => (await status(id)).status === 'delivered', { what: 'delivered by the last receipt' })

  const listed = await app.inject({ url: '/v1/admin/deliveries?channel=sms&status=delivered', headers: operator })
  t.equal(listed.statusCode, 200)
  const items = listed.json().items as { id: string; status: string; providerId: string }[]
  t.ok(items.some((d) => d.id === id && d.status === 'delivered' && d.providerId === parts.map((p) => p.messageId).join(',')), 'operators see it delivered')
  t.ok(items.every((d) => d.status === 'delivered'), 'and only delivered ones')
  const sent = (await app.inject({ url: '/v1/admin/deliveries?channel=sms&status=sent', headers: operator })).json().items as { id: string }[]
  t.notOk(sent.some((d) => d.id === id), 'no longer listed as sent')
  const retry = await app.inject({ method: 'POST', url: `/v1/admin/deliveries/${id}/retry`, headers: operator })
  t.equal(retry.statusCode, 409, 'a delivered SMS is not retried')
})

t.test('a receipt that overtakes the sent mark waits for it, then moves the delivery to delivered', async (t) => {
  // A delivery the app's dispatcher leaves alone (not due), sent by a channel of this test's
  // own, whose SMSC receipts at once: the receipt arrives while the delivery is still pending.
  const eventId = randomUUID()
  await app.db.insertInto('deliveries').values({ channel: 'sms', user_id: 'u-42', destination: '+4915112345679', notification_type: 'booking_cancelled', template: 'sms', locale: 'en', payload: JSON.stringify({ text: 'BookIT: booking cancelled.' }), next_attempt_at: new Date(Date.now() + 3_600_000), event_source: '/test', event_id: eventId }).execute()
  const row = await app.db.selectFrom('deliveries').selectAll().where('event_id', '=', eventId).executeTakeFirstOrThrow()
  const channel = createSmsChannel({ config: app.config, db: app.db, log: app.log, session: { reconnectMinMs: 50 } })
  t.teardown(() => channel.close())
  smsc.receiptRightAway = true
  t.teardown(() => {
    smsc.receiptRightAway = false
  })
  const outcome = await channel.send({ id: row.id, channel: 'sms', userId: 'u-42', destination: row.destination, notificationType: row.notification_type, notificationId: null, template: 'sms', locale: 'en', payload: row.payload, attempts: 1, createdAt: row.created_at }, new AbortController().signal)
  t.equal(outcome.kind, 'sent')
  await waitFor(async () => (await app.db.selectFrom('sms_messages').select('status').where('delivery_id', '=', row.id).executeTakeFirst())?.status === 'delivered', { what: 'the receipt recorded' })
  t.equal((await status(row.id)).status, 'pending', 'the receipt came before the sent mark')
  await new Promise((r) => setTimeout(r, 300))
  // The sent mark, as the dispatcher writes it a moment later.
  await app.db.updateTable('deliveries').set({ status: 'sent', sent_at: new Date() }).where('id', '=', row.id).execute()
  await waitFor(async () => (await status(row.id)).status === 'delivered', { what: 'delivered once the sent mark is there', timeout: 15_000 })
})
