import { randomUUID } from 'node:crypto'
import t from 'tap'
import { insertDeliveries } from '../src/delivery/delivery-store.js'
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

const status = async (id: string) => (await app.db.selectFrom('deliveries').select(['status', 'last_error']).where('id', '=', id).executeTakeFirstOrThrow())

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
  t.match(await status(id), { last_error: /undelivered \(receipt stat:UNDELIV\)/ })

  const retry = await app.inject({ method: 'POST', url: `/v1/admin/deliveries/${id}/retry`, headers: operator })
  t.equal(retry.statusCode, 200)
  await waitFor(() => smsc.submits.length === 2, { what: 'sent again' })
  await waitFor(async () => (await status(id)).status === 'sent', { what: 'sent after the retry' })
  t.equal(smsc.submits[1]?.text, text)
  t.equal(await smsc.receipt(String(smsc.submits[1]?.messageId), 'DELIVRD'), 0)
  // Operators' endpoint heard the whole story: sent, failed (the receipt), sent, delivered.
  await waitFor(() => receiver.calls.length === 4, { what: 'four delivery webhooks' })
  const events = receiver.calls.map((c) => JSON.parse(c.body) as { type: string; data: { delivery: { id: string; channel: string } } })
  t.same(events.map((e) => e.type).sort(), ['delivery.delivered', 'delivery.failed', 'delivery.sent', 'delivery.sent'])
  t.ok(events.every((e) => e.data.delivery.id === id && e.data.delivery.channel === 'sms'))
  t.ok(receiver.calls.every((c) => c.verifiedBy.length === 1))
  t.notMatch(logs.text, smsc.password, 'the SMSC password is never logged')
})
