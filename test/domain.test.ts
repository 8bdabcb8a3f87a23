import t from 'tap'
import { MAX_EVENT_BYTES, parseEvent, validateEvent } from '../src/domain/events.js'
import { formatTimeRange, pickLocale } from '../src/domain/format-time.js'
import { disabledKey, planEffects } from '../src/domain/plan-effects.js'
import { ada, bookingCancelled, bookingCreated, grace, konrad, userCreated } from './helpers/events.js'

function valid(value: unknown) {
  const result = validateEvent(value)
  if (!result.ok) throw new Error(result.error)
  return result.event
}

t.test('the contract sample events are valid', async (t) => {
  for (const event of [userCreated(), bookingCreated(), bookingCancelled({ reason: 'moved' })]) {
    t.ok(validateEvent(event).ok, event.type)
  }
})

t.test('invalid events are refused with a reason naming the problem', async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ['array', [bookingCreated()], /JSON object \(got an array\)/],
    ['null', null, /got null/],
    ['string', 'hello', /got string/],
    ['missing id', { ...bookingCreated(), id: undefined }, /required properties id/],
    ['wrong specversion', { ...bookingCreated(), specversion: '0.3' }, /specversion/],
    ['unknown type', { ...bookingCreated(), type: 'booking.moved' }, /unknown event type "booking.moved"/],
    ['data not an object', { ...bookingCreated(), data: 'x' }, /data/],
    ['missing booking', { ...bookingCreated(), data: { ...bookingCreated().data, booking: undefined } }, /required properties booking/],
    ['bad email', bookingCreated({ user: { ...ada, email: 'not-an-email' } }), /data\.user\.email/],
    ['bad startsAt', bookingCreated({ booking: { startsAt: 'tomorrow' } }), /data\.booking\.startsAt/],
    ['ends before it starts', bookingCreated({ booking: { endsAt: '2037-12-01T08:00:00Z' } }), /endsAt: must not be before startsAt/],
    ['unknown time zone', bookingCreated({ hall: { timeZone: 'Mars/Olympus' } }), /unknown time zone "Mars\/Olympus"/],
    ['negative attendees', bookingCreated({ booking: { attendees: -1 } }), /attendees/],
    ['cancellation missing', { ...bookingCreated(), type: 'booking.cancelled' }, /cancellation/],
    ['activation link not https', userCreated(ada, { activationUrl: 'http://x' }), /activationUrl/],
  ]
  for (const [name, value, reason] of cases) {
    // Through JSON, as on the wire: a key set to undefined is a missing key.
    const result = validateEvent(JSON.parse(JSON.stringify(value)))
    t.equal(result.ok, false, `${name} is refused`)
    if (!result.ok) t.match(result.error, reason, `${name}: ${result.error}`)
  }
})

t.test('raw bodies: not JSON and too large are refused', async (t) => {
  const notJson = parseEvent(Buffer.from('{"specversion":'))
  t.equal(notJson.ok, false)
  if (!notJson.ok) t.match(notJson.error, /not valid JSON/)
  const huge = parseEvent(Buffer.from(JSON.stringify(bookingCreated({ booking: { notes: 'x'.repeat(MAX_EVENT_BYTES) } }))))
  t.equal(huge.ok, false)
  if (!huge.ok) t.match(huge.error, /too large: \d+ bytes, over the limit of 256 KiB/)
})

t.test('booking.created: the booker is confirmed, each hall admin is alerted', async (t) => {
  const effects = planEffects(valid(bookingCreated({ admins: [grace, konrad, grace] })))
  t.same(
    effects.notifications.map((n) => [n.userId, n.type]),
    [
      ['u-42', 'booking_confirmed'],
      ['u-9', 'hall_booking_created'],
      ['u-7', 'hall_booking_created'],
    ],
    'duplicate admins are alerted once',
  )
  t.same(
    effects.deliveries.map((e) => [e.channel, e.destination, e.template]),
    [
      ['email', 'ada@example.com', 'booking-confirmed'],
      ['email', 'grace@example.com', 'hall-admin-alert'],
      ['email', 'konrad@example.com', 'hall-admin-alert'],
    ],
  )
  t.equal(effects.deliveries[0]!.payload.expiresAt, '2037-12-01T11:30:00Z', "a booking email stops mattering when the booking ends")
  const confirmed = effects.notifications[0]!
  t.equal(confirmed.title, 'Booking confirmed: Quarterly review')
  t.match(confirmed.body, /10:00.12:30 \(Europe\/Berlin\)/, 'the time is shown in the hall zone, and the zone is named')
  t.match(confirmed.data, { bookingId: String, hallId: 'h-1', startsAt: '2037-12-01T09:00:00Z', timeZone: 'Europe/Berlin' })
  t.match(effects.notifications[2]!.title, /^Neue Buchung/, 'a German recipient gets German text')
})

t.test('booking.cancelled: the booker and each admin hear of it, with the reason', async (t) => {
  const effects = planEffects(valid(bookingCancelled({ reason: 'Room flooded' })))
  t.same(effects.notifications.map((n) => n.type), ['booking_cancelled', 'hall_booking_cancelled'])
  t.match(effects.notifications[0]!.body, /Room flooded/)
  t.same(effects.deliveries.map((e) => e.template), ['booking-cancelled', 'hall-admin-alert'])
  t.equal(effects.deliveries[1]!.payload.variant, 'cancelled')
})

t.test('user.created: a welcome; the temporary password only in the email payload', async (t) => {
  const effects = planEffects(valid(userCreated(ada, { temporaryPassword: 'Tmp-Secret-123' })))
  t.same(effects.notifications.map((n) => n.type), ['welcome'])
  t.notMatch(JSON.stringify(effects.notifications), /Tmp-Secret-123/, 'not in the in-app notification')
  t.equal(effects.deliveries[0]!.payload.temporaryPassword, 'Tmp-Secret-123')
})

t.test('preferences: a switched-off channel is left out, the welcome email never is', async (t) => {
  const disabled = new Set([disabledKey('u-42', 'booking_confirmed', 'email'), disabledKey('u-9', 'hall_booking_created', 'inApp'), disabledKey('u-42', 'welcome', 'email')])
  const booking = planEffects(valid(bookingCreated()), disabled)
  t.same(booking.notifications.map((n) => n.userId), ['u-42'], "grace's in-app alert is off")
  t.same(booking.deliveries.map((e) => e.userId), ['u-9'], "ada's confirmation email is off")
  const welcome = planEffects(valid(userCreated()), disabled)
  t.equal(welcome.deliveries.length, 1, 'the welcome email is sent anyway')
})

t.test('locales and times', async (t) => {
  t.equal(pickLocale('de-AT'), 'de')
  t.equal(pickLocale('fr'), 'en')
  t.equal(pickLocale(undefined), 'en')
  t.match(formatTimeRange('2037-12-01T09:00:00Z', '2037-12-01T11:30:00Z', undefined, 'en'), /09:00.11:30 \(UTC\)/, 'UTC when the hall has no zone')
  t.match(formatTimeRange('2026-07-01T09:00:00Z', '2026-07-01T10:00:00Z', 'America/New_York', 'en'), /05:00.06:00 \(America\/New_York\)/)
})
