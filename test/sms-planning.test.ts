import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { parseEvent } from '../src/domain/events.js'
import { disabledKey, enabledKey, planEffects } from '../src/domain/plan-effects.js'
import { auth, build, createTestDatabase, waitFor } from './helpers/app.js'
import { bookingCancelled, bookingCreated } from './helpers/events.js'

const withPhone = { id: 'u-42', email: 'ada@example.com', name: 'Ada Lovelace', locale: 'de', phone: '+4915112345678' }
const event = (raw: object) => {
  const parsed = parseEvent(JSON.stringify(raw))
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.event
}
const sms = (effects: ReturnType<typeof planEffects>) => effects.deliveries.filter((d) => d.channel === 'sms')

// Built before the first subtest: a subtest that ends while this is still awaited lets the
// root test end, and its teardown drops the database under the migration.
// For the whole path in development: preference, event, pipeline, captured file.
const { app, config } = await build(t, { DATABASE_URL: await createTestDatabase(t) })
const user = auth(app, 'u-42')
const publisher = auth(app, 'booking-service', ['events:publish'])

t.test('planning: a cancellation goes by SMS by default when a phone is known; other types only when turned on', async (t) => {
  const cancelled = event(bookingCancelled({ user: withPhone, admins: [] }))
  const [one, ...rest] = sms(planEffects(cancelled))
  t.equal(rest.length, 0)
  t.match(one, { channel: 'sms', userId: 'u-42', destination: '+4915112345678', notificationType: 'booking_cancelled', locale: 'de', payload: { text: /^BookIT: Buchung storniert: Quarterly review\. /, expiresAt: '2037-12-01T11:30:00Z' } })
  t.same(sms(planEffects(cancelled, new Set([disabledKey('u-42', 'booking_cancelled', 'sms')]))), [], 'turned off')

  const created = event(bookingCreated({ user: withPhone, admins: [] }))
  t.same(sms(planEffects(created)), [], 'a confirmation is not sent by SMS by default')
  t.equal(sms(planEffects(created, new Set([enabledKey('u-42', 'booking_confirmed', 'sms')]))).length, 1, 'unless turned on')
  t.same(sms(planEffects(event(bookingCancelled({ admins: [] })))), [], 'no phone, no SMS')
})

t.test('an SMS the user turned on is captured in DATA_DIR/sms in development', async (t) => {
  const put = await app.inject({ method: 'PUT', url: '/v1/preferences', headers: user, payload: { booking_confirmed: { sms: true }, booking_cancelled: { sms: false } } })
  t.match(put.json(), { booking_confirmed: { sms: true }, booking_cancelled: { sms: false }, hall_booking_created: { sms: false } })
  await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: [bookingCreated({ user: withPhone, admins: [] }), bookingCancelled({ user: withPhone, admins: [] })] })
  const dir = join(config.dataDir, 'sms')
  const files = await waitFor(async () => {
    const names = await readdir(dir).catch(() => [])
    return names.length >= 1 && names
  }, { what: 'a captured SMS' })
  const sent = await app.db.selectFrom('deliveries').select(['notification_type', 'status']).where('channel', '=', 'sms').execute()
  t.same(sent.map((d) => d.notification_type), ['booking_confirmed'], 'the confirmation (turned on), not the cancellation (turned off)')
  t.equal(files.length, 1)
  t.match(await readFile(join(dir, files[0] as string), 'utf8'), /^To: \+4915112345678\nFrom: BookIT\nType: booking_confirmed\nEncoding: GSM-7, 1 part\n\nBookIT: Buchung bestätigt: Quarterly review\. Main Hall, .*10:00-12:30/)
})
