import t from 'tap'
import { build, createTestDatabase, token } from './helpers/app.js'
import { bookingCreated, userCreated } from './helpers/events.js'

const databaseUrl = await createTestDatabase(t)
const { app } = await build(t, { DATABASE_URL: databaseUrl }, { consume: false, sendEmails: false })

const post = (bearer: string, payload: unknown) => app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${bearer}` }, payload: payload as object })
const publisher = (sub: string, sources?: string[]) => token(app, sub, ['events:publish'], sources ? { sources } : { sources: undefined })

t.test('without a sources claim a publisher may use only /<sub>', async (t) => {
  const bookingService = publisher('booking-service')
  t.equal((await post(bookingService, bookingCreated())).statusCode, 202, '/booking-service for sub booking-service')
  const foreign = await post(bookingService, userCreated())
  t.equal(foreign.statusCode, 403, '/user-service for sub booking-service: 403')
  t.match(foreign.json(), { error: 'Forbidden', message: /source "\/user-service".*allowed: \/booking-service/ })
})

t.test('a sources claim names every source the token may use; one foreign event refuses the whole array', async (t) => {
  const both = publisher('gateway', ['/booking-service', '/user-service'])
  t.equal((await post(both, [bookingCreated(), userCreated()])).statusCode, 202, 'both named sources')
  t.equal((await post(both, { ...userCreated(), source: '/gateway' })).statusCode, 403, 'its own /<sub> is not implied once sources are named')

  const bookingOnly = publisher('gateway', ['/booking-service'])
  const mixed = [bookingCreated(), userCreated()]
  const response = await post(bookingOnly, mixed)
  t.equal(response.statusCode, 403, 'one foreign event: 403')
  const replay = await post(publisher('booking-service', ['/booking-service', '/user-service']), mixed)
  t.same(replay.json(), { accepted: 2, duplicates: 0 }, 'and nothing of the refused array was recorded')
})

t.test("one publisher cannot pre-empt another's event id", async (t) => {
  const event = userCreated()
  t.equal((await post(publisher('booking-service'), event)).statusCode, 403, 'the booking service may not claim a user-service id')
  t.same((await post(publisher('user-service'), event)).json(), { accepted: 1, duplicates: 0 }, 'so the real owner is not counted a duplicate')
})
