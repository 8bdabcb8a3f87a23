import { type Transaction, sql } from 'kysely'
import t from 'tap'
import { type DirectoryEntry, type PersonFacts, latestFacts, mergeFacts } from '../src/domain/directory.js'
import type { Database } from '../src/db/schema.js'
import { parseEvent } from '../src/domain/events.js'
import { planEffects } from '../src/domain/plan-effects.js'
import { learnFacts, peopleRowsOf, readDirectory, writeDirectory } from '../src/directory/directory-store.js'
import { recordEvents } from '../src/ingest/record-events.js'
import { auth, brokerNames, build, createTestDatabase, drainQueue, publishEvents, waitFor } from './helpers/app.js'
import { bookingCreated, userCreated } from './helpers/events.js'

// Built before the first subtest (a subtest ending while this is awaited would end the root test).
const broker = brokerNames(t)
const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', ...broker }, { sendEmails: false })
await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })
const publisher = auth(app, 'svc', ['events:publish'])

const post = (events: object | object[]) => app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: events })
const person = (userId: string) => app.db.selectFrom('people').selectAll().where('user_id', '=', userId).executeTakeFirst()
const emailsFor = (eventId: string) => app.db.selectFrom('deliveries').select(['destination', 'user_id', 'locale']).where('event_id', '=', eventId).where('channel', '=', 'email').orderBy('user_id').execute()

function userUpdated(user: Record<string, unknown>, time?: string) {
  return { specversion: '1.0', id: crypto.randomUUID(), source: '/user-service', type: 'user.updated', ...(time ? { time } : {}), data: { user } }
}

const facts = (email: string, time: string, complete: boolean, extra: Record<string, string> = {}): PersonFacts => ({ person: { id: 'u-1', email, name: 'One', ...extra }, time, complete })

t.test('merge rules: the later time wins whatever the order; equal times: the later processed; partial facts keep what they leave out', async (t) => {
  const a = facts('a@example.com', '2026-11-01T10:00:00Z', true, { phone: '+4915112345678' })
  const b = facts('b@example.com', '2026-11-02T10:00:00Z', false)
  t.equal(mergeFacts(undefined, [a, b])!.email, 'b@example.com')
  t.equal(mergeFacts(undefined, [b, a])!.email, 'b@example.com', 'the order of arrival does not matter')
  t.equal(mergeFacts(undefined, [b, a])!.phone, '+4915112345678', 'a booking event without a phone keeps the known one')
  const complete = facts('c@example.com', '2026-11-03T10:00:00Z', true)
  t.equal(mergeFacts(mergeFacts(undefined, [a])!, [complete])!.phone, null, 'user.* facts are complete: no phone means none')

  const current = mergeFacts(undefined, [b])!
  t.equal(mergeFacts(current, [a]), undefined, 'older facts change nothing')
  const sameTime = facts('same@example.com', b.time, false)
  t.equal(mergeFacts(current, [sameTime])!.email, 'same@example.com', 'an equal time: the later processed wins')
  t.equal(mergeFacts(undefined, [facts('x@example.com', b.time, false), facts('y@example.com', b.time, false)])!.email, 'y@example.com')
})

t.test('latest facts: the directory when at least as new as the event, else the event (with what it leaves out from the directory)', async (t) => {
  const entry: DirectoryEntry = { userId: 'u-1', email: 'new@example.com', name: 'One', locale: 'de', phone: '+4915112345678', timeZone: 'Europe/Berlin', factsTime: '2026-11-30T00:00:00.000Z' }
  const dir = new Map([['u-1', entry]])
  const old = { id: 'u-1', email: 'old@example.com', name: 'One', locale: 'en' }
  t.match(latestFacts(old, '2026-11-01T00:00:00Z', dir), { email: 'new@example.com', locale: 'de', phone: '+4915112345678', timeZone: 'Europe/Berlin' })
  t.match(latestFacts(old, '2026-12-01T00:00:00Z', dir), { email: 'old@example.com', locale: 'en', phone: '+4915112345678' }, 'a newer event speaks for itself')
  t.match(latestFacts(old, undefined, dir), { email: 'old@example.com' }, 'no time: processed now, so the newest')
  t.same(latestFacts(old, '2026-11-01T00:00:00Z', new Map()), old, 'unknown to the directory')

  const parsed = parseEvent(JSON.stringify(bookingCreated({ user: { ...old, id: 'u-1' }, admins: [] })))
  if (!parsed.ok) throw new Error(parsed.error)
  const planned = planEffects(parsed.event, new Set(), new Map(), dir).deliveries.filter((d) => d.channel === 'email')
  t.match(planned, [{ destination: 'new@example.com', locale: 'de', payload: { recipient: { email: 'new@example.com' } } }], 'planning addresses the newer facts')
})

t.test('user.updated over HTTP: no notification; the next booking email, even from an older event with the old address, goes to the new one', async (t) => {
  const ada = { id: 'u-dir-1', email: 'ada@example.com', name: 'Ada', locale: 'en' }
  t.equal((await post(userCreated(ada))).statusCode, 202)
  const update = userUpdated({ ...ada, email: 'ada.new@example.com', locale: 'de', timeZone: 'Europe/Berlin' }, '2026-11-25T12:00:00Z')
  const res = await post(update)
  t.equal(res.statusCode, 202)
  t.same(res.json(), { accepted: 1, duplicates: 0 })
  t.equal(await app.db.selectFrom('notifications').where('event_id', '=', update.id).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst().then((r) => Number(r!.n)), 0, 'user.updated produces no notification')
  t.match(await person(ada.id), { email: 'ada.new@example.com', locale: 'de', time_zone: 'Europe/Berlin' })

  // Carries the old address, with a time before the update.
  const booking = bookingCreated({ user: ada, admins: [], hall: { id: 'h-dir' } })
  booking.time = '2026-11-24T09:00:00Z'
  t.equal((await post(booking)).statusCode, 202)
  t.same(await emailsFor(booking.id), [{ destination: 'ada.new@example.com', user_id: ada.id, locale: 'de' }])
  t.match(await person(ada.id), { email: 'ada.new@example.com' }, 'the older booking event did not overwrite the newer facts')
  t.ok(await app.db.selectFrom('hall_people').selectAll().where('hall_id', '=', 'h-dir').where('user_id', '=', ada.id).executeTakeFirst(), 'the booker belongs to the hall')

  // A later booking event states a later address: it wins, and it is what the email uses.
  const later = bookingCreated({ user: { ...ada, email: 'ada.work@example.com' }, admins: [], hall: { id: 'h-dir' } })
  later.time = '2026-11-26T09:00:00Z'
  t.equal((await post(later)).statusCode, 202)
  t.same((await emailsFor(later.id)).map((e) => e.destination), ['ada.work@example.com'])
  t.match(await person(ada.id), { email: 'ada.work@example.com', locale: 'en', time_zone: 'Europe/Berlin' }, 'what the booking event leaves out (time zone) is kept')
})

t.test('an event without a time counts as processed now: it beats an older-timed event that arrives after it', async (t) => {
  const user = { id: 'u-dir-2', email: 'first@example.com', name: 'Two' }
  t.equal((await post(userUpdated({ ...user, email: 'untimed@example.com' }))).statusCode, 202)
  t.equal((await post(userUpdated({ ...user, email: 'older@example.com' }, '2026-01-01T00:00:00Z'))).statusCode, 202)
  t.match(await person(user.id), { email: 'untimed@example.com' })
  const row = await person(user.id)
  t.ok(row!.facts_time.getTime() > Date.parse('2026-01-01T00:00:00Z'), 'facts time is the processing time')
})

t.test('hall admins join the directory and their hall; both in one batch, the later time wins', async (t) => {
  const admin = { id: 'u-dir-admin', email: 'admin.old@example.com', name: 'Admin' }
  const booker = { id: 'u-dir-3', email: 'booker@example.com', name: 'Booker' }
  const first = bookingCreated({ user: booker, admins: [{ ...admin, email: 'admin.new@example.com' }], hall: { id: 'h-dir-2' } })
  first.time = '2026-11-20T00:00:00Z'
  const second = bookingCreated({ user: booker, admins: [admin], hall: { id: 'h-dir-2' } })
  second.time = '2026-11-10T00:00:00Z'
  t.equal((await post([first, second])).statusCode, 202)
  t.match(await person(admin.id), { email: 'admin.new@example.com' })
  t.same((await emailsFor(second.id)).map((e) => [e.user_id, e.destination]), [[booker.id, 'booker@example.com'], [admin.id, 'admin.new@example.com']], 'the older event in the batch is addressed with the newer facts')
  const members = await app.db.selectFrom('hall_people').select('user_id').where('hall_id', '=', 'h-dir-2').orderBy('user_id').execute()
  t.same(members.map((m) => m.user_id), [booker.id, admin.id].sort())
})

t.test('user.updated over the broker: bound, recorded, not dead-lettered, no notification', async (t) => {
  const user = { id: 'u-dir-amqp', email: 'amqp.old@example.com', name: 'Broker' }
  t.equal((await post(userCreated(user))).statusCode, 202)
  const update = userUpdated({ ...user, email: 'amqp.new@example.com', phone: '+4915112345678' }, '2030-01-01T00:00:00Z')
  await publishEvents(broker.AMQP_EXCHANGE, [update])
  const row = await waitFor(async () => (await person(user.id))?.email === 'amqp.new@example.com' && person(user.id), { what: 'the directory to learn the new address' })
  t.equal(row!.phone, '+4915112345678')
  t.same(await drainQueue(`${broker.AMQP_QUEUE}.dlq`), [], 'nothing dead-lettered')
  const processed = await app.db.selectFrom('processed_events').selectAll().where('id', '=', update.id).executeTakeFirst()
  t.equal(processed?.type, 'user.updated')
  t.equal((await app.db.selectFrom('notifications').selectAll().where('event_id', '=', update.id).execute()).length, 0)
})

// Two ingest transactions (the batches in flight, or two replicas) read the directory without
// a lock and write at their end. Whatever the commit order, the result is what applying them
// one after the other in that order gives: a transaction that read a row another then changed
// merges again from the new row, so the later time wins and no field the other set is lost.
t.test('concurrent transactions teaching the same people: the later time wins in both commit orders, no field lost, the second writer waits and merges again', async (t) => {
  const seed = (id: string): PersonFacts => ({ person: { id, email: `${id}@old.example.com`, name: 'Old', locale: 'en', phone: '+4915100000000' }, time: '2026-11-01T00:00:00Z', complete: true })
  // A booking event: leaves phone and locale out (they are kept), states a time zone.
  const booking = (id: string, time: string): PersonFacts => ({ person: { id, email: `${id}@booking.example.com`, name: 'Booked', timeZone: 'Europe/Berlin' }, time, complete: false })
  // user.updated: complete, a new phone and locale, no time zone.
  const updated = (id: string, time: string): PersonFacts => ({ person: { id, email: `${id}@updated.example.com`, name: 'Updated', locale: 'de', phone: '+4915111111111' }, time, complete: true })

  // As ingest does: read the people without a lock, merge in memory.
  const learn = async (trx: Transaction<Database>, facts: PersonFacts[]) => learnFacts(await peopleRowsOf(trx, facts.map((f) => f.person.id)).execute(), facts, []).write

  /** Both read before either writes; `first` writes and holds its locks while `second` writes (and waits), then both commit. */
  async function race(first: PersonFacts[], second: PersonFacts[]) {
    const a = await app.db.startTransaction().execute()
    const b = await app.db.startTransaction().execute()
    const writeA = await learn(a, first)
    const writeB = await learn(b, second)
    await writeDirectory(a, writeA)
    const writingB = writeDirectory(b, writeB)
    await a.commit().execute()
    await writingB
    await b.commit().execute()
  }
  const entry = async (id: string) => (await readDirectory(app.db, [id])).get(id)

  for (const [i, order] of (['earlier commits first', 'later commits first'] as const).entries()) {
    const [p, q] = [`u-race-${i}-p`, `u-race-${i}-q`]
    for (const id of [p, q]) {
      await app.db.transaction().execute(async (trx) => writeDirectory(trx, await learn(trx, [seed(id)])))
    }
    // For p the booking is the later; for q the update is: each transaction is newer for one person.
    const bookings = [booking(p, '2026-11-20T00:00:00Z'), booking(q, '2026-11-10T00:00:00Z')]
    const updates = [updated(p, '2026-11-10T00:00:00Z'), updated(q, '2026-11-20T00:00:00Z')]
    const [first, second] = order === 'earlier commits first' ? [updates, bookings] : [bookings, updates]
    await race(first, second)

    const serial = (id: string) => {
      const [x, y] = [first, second].map((facts) => facts.filter((f) => f.person.id === id))
      const afterFirst = mergeFacts(mergeFacts(undefined, [seed(id)]), x!)!
      return mergeFacts(afterFirst, y!) ?? afterFirst
    }
    t.same(await entry(p), serial(p), `${order}: p is what one transaction after the other gives`)
    t.same(await entry(q), serial(q), `${order}: q is what one transaction after the other gives`)
    if (order === 'earlier commits first') {
      // The booking read p before the update committed: it must not put back the old phone and locale.
      t.match(await entry(p), { email: `${p}@booking.example.com`, phone: '+4915111111111', locale: 'de', timeZone: 'Europe/Berlin', factsTime: '2026-11-20T00:00:00.000Z' }, 'the later booking keeps what the update set')
      t.match(await entry(q), { email: `${q}@updated.example.com`, phone: '+4915111111111', locale: 'de', timeZone: null, factsTime: '2026-11-20T00:00:00.000Z' }, 'the later update is complete: no time zone')
    } else {
      t.match(await entry(p), { email: `${p}@booking.example.com`, phone: '+4915100000000', locale: 'en', timeZone: 'Europe/Berlin' }, 'the older update changes nothing after the later booking')
      t.match(await entry(q), { email: `${q}@updated.example.com`, phone: '+4915111111111', locale: 'de', timeZone: null }, 'the later update overrides the older booking')
    }
  }
})

t.test('recordEvents twice in parallel: a batch that planned from a row another batch changed before it committed merges again', async (t) => {
  const grace = { id: 'u-par-admin', email: 'grace.old@example.com', name: 'Grace', locale: 'en', phone: '+4915122222222' }
  t.equal((await post(userCreated(grace))).statusCode, 202)
  for (const [i, bookingIsLater] of [true, false].entries()) {
    // Both newer than what the directory holds when the booking's batch reads it.
    const update = userUpdated({ ...grace, email: `grace.${i}@example.com`, locale: 'de', phone: '+4915133333333' }, bookingIsLater ? '2026-11-24T00:00:00Z' : '2026-11-28T00:00:00Z')
    // The admin as a booking event states them: no locale or phone (the directory's are kept).
    const booking = bookingCreated({ user: { id: `u-par-${i}`, email: `booker.${i}@example.com`, name: 'Booker' }, admins: [{ id: grace.id, email: `grace.booking.${i}@example.com`, name: grace.name }], hall: { id: `h-par-${i}` } })
    booking.time = bookingIsLater ? '2026-11-26T00:00:00Z' : '2026-11-27T00:00:00Z'
    // Holds the booking's batch after it read the directory (it waits to write its
    // notifications) while the update's batch, which writes none, commits.
    const holder = await app.db.startTransaction().execute()
    await sql`LOCK TABLE notifications IN SHARE MODE`.execute(holder)
    const parse = (e: object) => {
      const r = parseEvent(JSON.stringify(e))
      if (!r.ok) throw new Error(r.error)
      return r.event
    }
    const bookingBatch = recordEvents(app.db, [parse(booking)])
    await waitFor(async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'notifications'::regclass AND NOT granted`.execute(app.db)).rows[0]!.n > 0, { what: 'the booking batch to wait for the notifications table' })
    await recordEvents(app.db, [parse(update)])
    await holder.commit().execute()
    await bookingBatch
    if (bookingIsLater) t.match(await person(grace.id), { email: `grace.booking.${i}@example.com`, phone: '+4915133333333', locale: 'de', facts_time: new Date(booking.time) }, 'the later booking wins, keeping the phone and locale the update set meanwhile')
    else t.match(await person(grace.id), { email: `grace.${i}@example.com`, phone: '+4915133333333', locale: 'de', facts_time: new Date(update.time!) }, 'the later update, committed first, is not overwritten by the booking merged before it')
    t.ok(await app.db.selectFrom('hall_people').select('user_id').where('hall_id', '=', `h-par-${i}`).where('user_id', '=', grace.id).executeTakeFirst(), 'the admin joined the hall')
  }
})
