import t from 'tap'
import { type BookingEvent, type BookingState, applyBookingEvent } from '../src/domain/booking-order.js'
import { type BookitEvent, validateEvent } from '../src/domain/events.js'
import { disabledKey, enabledKey, planEffects } from '../src/domain/plan-effects.js'
import { planReminderEffects, planReminders } from '../src/domain/reminders.js'
import { ada, bookingCancelled, bookingCreated, bookingUpdated, grace, konrad } from './helpers/events.js'

// Pure parts of booking.updated and reminders: no server, no database.

function valid(value: unknown): BookitEvent {
  const result = validateEvent(value)
  if (!result.ok) throw new Error(result.error)
  return result.event
}

const HOUR = 3_600_000

t.test('booking.updated is a known event; its previous times are checked', async (t) => {
  t.ok(validateEvent(bookingUpdated()).ok, 'the sample is valid')
  const noPrevious = bookingUpdated() as { data: Record<string, unknown> }
  delete noPrevious.data.previous
  t.match(validateEvent(noPrevious), { ok: false, error: /previous/ }, 'previous is required')
  t.match(validateEvent(bookingUpdated({ previous: { startsAt: '2037-12-01T12:00:00Z', endsAt: '2037-12-01T11:00:00Z' } })), { ok: false, error: /data\.previous\.endsAt/ })
})

t.test('booking.updated produces booking_updated for the booker and hall_booking_updated for each admin, with both times', async (t) => {
  const event = valid(bookingUpdated({ admins: [grace, konrad], booking: { startsAt: '2037-12-01T13:00:00Z', endsAt: '2037-12-01T15:30:00Z' } }))
  const { notifications, deliveries } = planEffects(event)
  t.same(notifications.map((n) => [n.userId, n.type]), [[ada.id, 'booking_updated'], [grace.id, 'hall_booking_updated'], [konrad.id, 'hall_booking_updated']])
  t.equal(notifications[0]!.body, 'Main Hall, now Tue, 1 Dec 2037, 14:00–16:30 (Europe/Berlin) (was Tue, 1 Dec 2037, 10:00–12:30 (Europe/Berlin))')
  t.match(notifications[2]!.body, /jetzt Di\., 1\. Dez\. 2037, 14:00–16:30 \(Europe\/Berlin\) \(vorher Di\., 1\. Dez\. 2037, 10:00–12:30/)
  t.match(notifications[0]!.data, { previousStartsAt: '2037-12-01T09:00:00Z', previousHallId: 'h-1', startsAt: '2037-12-01T13:00:00Z' })
  const emails = deliveries.filter((d) => d.channel === 'email')
  t.same(emails.map((e) => [e.destination, e.template, e.payload.variant]), [
    [ada.email, 'booking-updated', 'updated'],
    [grace.email, 'hall-admin-alert', 'updated'],
    [konrad.email, 'hall-admin-alert', 'updated'],
  ])
  t.same(emails[0]!.payload.previous, { startsAt: '2037-12-01T09:00:00Z', endsAt: '2037-12-01T11:30:00Z', hallId: 'h-1' })
  const moved = planEffects(valid(bookingUpdated({ hall: { id: 'h-2', name: 'Small Hall' }, previous: { hallId: 'h-1' } })))
  t.match(moved.notifications[0]!.body, /Moved to Small Hall\.$/, 'a change of hall is named')
})

t.test('an SMS for a change goes by default only when the booking starts within 24 h (the earlier of old and new start)', async (t) => {
  const withPhone = { ...ada, phone: '+4915112345678' }
  const now = new Date('2037-11-30T12:00:00Z')
  const sms = (event: unknown, disabled = new Set<string>()) => planEffects(valid(event), disabled, new Map(), new Map(), now).deliveries.filter((d) => d.channel === 'sms').map((d) => d.userId)
  // New start 2037-12-01T09:00 is 21 h away: urgent.
  t.same(sms(bookingUpdated({ user: withPhone, booking: { startsAt: '2037-12-01T09:00:00Z' }, previous: { startsAt: '2037-12-05T09:00:00Z', endsAt: '2037-12-05T10:00:00Z' } })), [ada.id], 'new start within 24 h')
  t.same(sms(bookingUpdated({ user: withPhone, booking: { startsAt: '2037-12-08T09:00:00Z', endsAt: '2037-12-08T10:00:00Z' }, previous: { startsAt: '2037-12-01T08:00:00Z' } })), [ada.id], 'old start within 24 h (moved away at short notice)')
  t.same(sms(bookingUpdated({ user: withPhone, booking: { startsAt: '2037-12-08T09:00:00Z', endsAt: '2037-12-08T10:00:00Z' }, previous: { startsAt: '2037-12-03T09:00:00Z', endsAt: '2037-12-03T10:00:00Z' } })), [], 'both far away: no SMS by default')
  const urgent = bookingUpdated({ user: withPhone, booking: { startsAt: '2037-12-01T09:00:00Z' } })
  t.same(sms(urgent, new Set([disabledKey(ada.id, 'booking_updated', 'sms')])), [], 'a user who turned it off gets none')
  const far = bookingUpdated({ user: withPhone, booking: { startsAt: '2037-12-08T09:00:00Z', endsAt: '2037-12-08T10:00:00Z' }, previous: { startsAt: '2037-12-07T09:00:00Z', endsAt: '2037-12-07T10:00:00Z' } })
  t.same(sms(far, new Set([enabledKey(ada.id, 'booking_updated', 'sms')])), [ada.id], 'a user who turned it on gets every change')
  t.same(sms(bookingUpdated({ booking: { startsAt: '2037-12-01T09:00:00Z' } })), [], 'no phone, no SMS')
})

type Kind = 'created' | 'updated' | 'cancelled'
const start = { created: '2037-12-01T09:00:00Z', updated: '2037-12-02T09:00:00Z' }

function events(bookingId: string): Record<Kind, BookingEvent> {
  const booking = { id: bookingId }
  return {
    created: valid(bookingCreated({ booking: { ...booking, startsAt: start.created } })) as BookingEvent,
    updated: valid(bookingUpdated({ booking: { ...booking, startsAt: start.updated, endsAt: '2037-12-02T10:00:00Z' } })) as BookingEvent,
    cancelled: valid(bookingCancelled({ booking })) as BookingEvent,
  }
}

const orders: Kind[][] = [
  ['created', 'updated', 'cancelled'],
  ['created', 'cancelled', 'updated'],
  ['updated', 'created', 'cancelled'],
  ['updated', 'cancelled', 'created'],
  ['cancelled', 'created', 'updated'],
  ['cancelled', 'updated', 'created'],
]

t.test('booking order, every permutation of created, updated, cancelled', async (t) => {
  for (const order of orders) {
    const e = events(`b-${order.join('-')}`)
    let state: BookingState = { bookingId: 'b', cancelledAt: null, lastEventTime: null }
    const produced: Kind[] = []
    const startAfter: (string | null | undefined)[] = []
    for (const kind of order) {
      const result = applyBookingEvent(state, e[kind])
      state = result.next
      if (result.produces) produced.push(kind)
      startAfter.push(state.startsAt)
    }
    const cancelledAt = order.indexOf('cancelled')
    t.same(produced, order.slice(0, cancelledAt + 1), `${order.join(' → ')}: nothing after the cancellation produces`)
    t.not(state.cancelledAt, null, `${order.join(' → ')}: ends cancelled`)
    if (order[0] === 'updated') t.equal(startAfter[1], start.updated, `${order.join(' → ')}: a late created does not undo the update's start`)
  }
})

t.test('between updates the later CloudEvent time wins', async (t) => {
  const booking = { id: 'b-times' }
  const older = valid(bookingUpdated({ booking: { ...booking, startsAt: '2037-12-03T09:00:00Z', endsAt: '2037-12-03T10:00:00Z' }, time: '2026-11-23T11:00:00Z' })) as BookingEvent
  const newer = valid(bookingUpdated({ booking: { ...booking, startsAt: '2037-12-04T09:00:00Z', endsAt: '2037-12-04T10:00:00Z' }, time: '2026-11-23T12:00:00Z' })) as BookingEvent
  let state: BookingState = { bookingId: booking.id, cancelledAt: null, lastEventTime: null }
  const first = applyBookingEvent(state, newer)
  state = first.next
  const late = applyBookingEvent(state, older)
  t.ok(first.produces, 'the newer update produces')
  t.notOk(late.produces, 'the older update arriving late produces nothing')
  t.equal(late.next.startsAt, '2037-12-04T09:00:00Z', 'and does not move the start back')
  const inOrder = applyBookingEvent(applyBookingEvent({ bookingId: booking.id, cancelledAt: null, lastEventTime: null }, older).next, newer)
  t.ok(inOrder.produces, 'in order, both produce')
  t.equal(inOrder.next.startsAt, '2037-12-04T09:00:00Z')
})

t.test('reminders: one per offset still ahead; an offset already passed is skipped', async (t) => {
  const data = (valid(bookingCreated({ booking: { startsAt: '2037-12-01T09:00:00Z' } })) as Extract<BookitEvent, { type: 'booking.created' }>).data
  const plan = planReminders(data, [24 * HOUR, HOUR, 2 * 60_000], new Date('2037-12-01T07:30:00Z'))
  t.same(plan.skipped, [24 * HOUR], 'the 24 h reminder has passed')
  t.same(plan.due.map((d) => [d.offsetMs, d.dueAt.toISOString()]), [[HOUR, '2037-12-01T08:00:00.000Z'], [120_000, '2037-12-01T08:58:00.000Z']])
  const exactly = planReminders(data, [HOUR], new Date('2037-12-01T08:00:00Z'))
  t.same(exactly.skipped, [HOUR], 'due exactly now counts as passed: it is not sent late')
})

// Issue 11 item 7: instants are scheduled, texts show the hall's local time.
const zones: [string, string, string, string, RegExp, RegExp][] = [
  // Berlin, spring forward: 02:00 CET becomes 03:00 CEST at 01:00 UTC; the booking spans it.
  ['Europe/Berlin, DST starts', 'Europe/Berlin', '2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z', /Sun, 29 Mar 2026, 01:30–03:30 \(Europe\/Berlin\)/, /So\., 29\. März 2026, 01:30–03:30/],
  // Berlin, fall back: 03:00 CEST becomes 02:00 CET at 01:00 UTC; both ends read 02:30.
  ['Europe/Berlin, DST ends', 'Europe/Berlin', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', /Sun, 25 Oct 2026, 02:30–02:30 \(Europe\/Berlin\)/, /So\., 25\. Okt\. 2026, 02:30–02:30/],
  ['Asia/Kolkata, +05:30', 'Asia/Kolkata', '2026-12-01T09:00:00Z', '2026-12-01T10:15:00Z', /Tue, 1 Dec 2026, 14:30–15:45 \(Asia\/Kolkata\)/, /Di\., 1\. Dez\. 2026, 14:30–15:45/],
  // Sydney keeps summer time in December (+11) and not in July (+10).
  ['Australia/Sydney, summer', 'Australia/Sydney', '2026-12-01T09:00:00Z', '2026-12-01T10:00:00Z', /Tue, 1 Dec 2026, 20:00–21:00 \(Australia\/Sydney\)/, /Di\., 1\. Dez\. 2026, 20:00–21:00/],
  ['Australia/Sydney, winter', 'Australia/Sydney', '2026-07-01T09:00:00Z', '2026-07-01T10:00:00Z', /Wed, 1 Jul 2026, 19:00–20:00 \(Australia\/Sydney\)/, /Mi\., 1\. Juli 2026, 19:00–20:00/],
]

t.test('time zones: reminder and change texts show the hall\'s local time', async (t) => {
  for (const [name, timeZone, startsAt, endsAt, en, de] of zones) {
    const hall = { timeZone }
    const created = (valid(bookingCreated({ booking: { startsAt, endsAt }, hall })) as Extract<BookitEvent, { type: 'booking.created' }>).data
    const [reminder] = planReminders(created, [HOUR], new Date('2026-01-01T00:00:00Z')).due
    t.equal(reminder!.dueAt.getTime(), Date.parse(startsAt) - HOUR, `${name}: the reminder is due one real hour before the start`)
    const effects = planReminderEffects(reminder!.payload)
    t.match(effects.notifications[0]!.body, en, `${name}: reminder (en)`)
    t.match(effects.notifications[0]!.body, /^Starts in 1 hour: /)
    t.match(planReminderEffects({ ...reminder!.payload, user: konrad }).notifications[0]!.body, de, `${name}: reminder (de)`)
    // The change moves the booking here from a day later; the old time is shown in the same zone.
    const previous = { startsAt: new Date(Date.parse(startsAt) + 24 * HOUR).toISOString(), endsAt: new Date(Date.parse(endsAt) + 24 * HOUR).toISOString() }
    const updated = planEffects(valid(bookingUpdated({ booking: { startsAt, endsAt }, hall, previous })))
    t.match(updated.notifications[0]!.body, en, `${name}: change (en)`)
    t.match(updated.notifications[0]!.body, new RegExp(`was .*\\(${timeZone.replace('/', '\\/')}\\)\\)$`), `${name}: the old time names the zone too`)
  }
})

t.test('a reminder follows the booker\'s channels: email, push, SMS only when chosen', async (t) => {
  const data = (valid(bookingCreated({ user: { ...ada, phone: '+4915112345678' } as typeof ada })) as Extract<BookitEvent, { type: 'booking.created' }>).data
  const [reminder] = planReminders(data, [HOUR], new Date('2030-01-01T00:00:00Z')).due
  const plain = planReminderEffects(reminder!.payload, new Set(), new Map([[ada.id, ['sub-1']]]))
  t.same(plain.notifications.map((n) => n.type), ['booking_reminder'])
  t.same(plain.deliveries.map((d) => d.channel).sort(), ['email', 'push'], 'no SMS unless chosen')
  t.match(plain.deliveries.find((d) => d.channel === 'email')!, { template: 'booking-reminder', payload: { startsIn: 'in 1 hour', expiresAt: data.booking.startsAt } })
  const chosen = planReminderEffects(reminder!.payload, new Set([enabledKey(ada.id, 'booking_reminder', 'sms')]))
  t.same(chosen.deliveries.map((d) => d.channel).sort(), ['email', 'sms'])
  const off = planReminderEffects(reminder!.payload, new Set([disabledKey(ada.id, 'booking_reminder', 'email'), disabledKey(ada.id, 'booking_reminder', 'inApp')]))
  t.same([off.notifications.length, off.deliveries.length], [0, 0], 'in-app and email can be turned off')
})
