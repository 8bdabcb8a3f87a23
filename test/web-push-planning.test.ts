import t from 'tap'
import { validateEvent } from '../src/domain/events.js'
import { disabledKey, planEffects } from '../src/domain/plan-effects.js'
import { ada, bookingCancelled, grace, userCreated } from './helpers/events.js'

/** Planning push deliveries (pure): one per subscription of each recipient, honouring the push preference. */
const event = (raw: unknown) => {
  const result = validateEvent(raw)
  if (!result.ok) throw new Error(result.error)
  return result.event
}
const pushes = (effects: ReturnType<typeof planEffects>) => effects.deliveries.filter((d) => d.channel === 'push')

t.test('a push per subscription of each recipient, with the in-app text', async (t) => {
  const cancelled = event(bookingCancelled({ user: ada, admins: [grace] }))
  const effects = planEffects(cancelled, new Set(), new Map([[ada.id, ['s-1', 's-2']], [grace.id, ['s-3']]]))
  const planned = pushes(effects)
  t.same(planned.map((d) => [d.userId, d.destination, d.notificationType]), [[ada.id, 's-1', 'booking_cancelled'], [ada.id, 's-2', 'booking_cancelled'], [grace.id, 's-3', 'hall_booking_cancelled']])
  const adaNotification = effects.notifications.find((n) => n.userId === ada.id)!
  t.match(planned[0]!.payload, { title: adaNotification.title, body: adaNotification.body, bookingId: cancelled.type === 'booking.cancelled' ? cancelled.data.booking.id : '' })
  t.ok(planned[0]!.payload.expiresAt, 'a booking push stops mattering when the booking ends')
})

t.test('no subscription, no push; push off for a type, no push of that type', async (t) => {
  const cancelled = event(bookingCancelled({ user: ada, admins: [grace] }))
  t.same(pushes(planEffects(cancelled)), [])
  const off = new Set([disabledKey(ada.id, 'booking_cancelled', 'push')])
  t.same(pushes(planEffects(cancelled, off, new Map([[ada.id, ['s-1']], [grace.id, ['s-3']]]))).map((d) => d.destination), ['s-3'])
})

t.test('in-app off does not turn push off', async (t) => {
  const off = new Set([disabledKey(ada.id, 'welcome', 'inApp')])
  const effects = planEffects(event(userCreated(ada)), off, new Map([[ada.id, ['s-1']]]))
  t.equal(effects.notifications.length, 0)
  t.equal(pushes(effects).length, 1)
})
