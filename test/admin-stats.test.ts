import { sql } from 'kysely'
import t from 'tap'
import { QUANTILE_PRECISION, binValueMs, durationBin, quantileBinMs, quantileMs } from '../src/domain/duration-bins.js'
import { auth, build, createTestDatabase } from './helpers/app.js'
import { ada, bookingCreated } from './helpers/events.js'

/**
 * GET /v1/admin/stats against known rows written into the tables the rollup triggers watch
 * (in single-row and multi-row statements), and once through the service's own write paths.
 */
const { app } = await build(t, { DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false })
const admin = auth(app, 'ops', ['notifications:admin'])
const stats = async (query: string, headers = admin) => app.inject({ url: `/v1/admin/stats?${query}`, headers })

type Bucket = {
  start: string
  type: string
  channel: string
  created: number
  sent: number
  failed: number
  read: number
  unsubscribed: number
  medianToDeliveryMs: number | null
  p90ToDeliveryMs: number | null
  medianToReadMs: number | null
  p90ToReadMs: number | null
}
const bucketsOf = async (query: string) => {
  const response = await stats(query)
  if (response.statusCode !== 200) throw new Error(`${response.statusCode} ${response.body}`)
  return (response.json() as { buckets: Bucket[] }).buckets
}
const find = (buckets: Bucket[], start: string, type: string, channel: string) => buckets.find((b) => b.start === start && b.type === type && b.channel === channel)

/** The value at rank ceil(q·n) of the exact durations: what a bin-read quantile approximates. */
const exactQuantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.max(1, Math.ceil(q * values.length)) - 1]!
const within = (reported: number | null, exact: number) => reported !== null && reported / exact <= QUANTILE_PRECISION + 1e-9 && exact / reported <= QUANTILE_PRECISION + 1e-9

const H10 = '2026-03-02T10:00:00.000Z'
const H11 = '2026-03-02T11:00:00.000Z'
const DAY = '2026-03-02T00:00:00.000Z'
const at = (iso: string, plusMs = 0) => new Date(new Date(iso).getTime() + plusMs)

// Times to read of the notifications created at 10:00, read during 10:xx (ms), and those read in 11:xx.
const readIn10 = [1_500, 2_000, 45_000, 60_000, 61_000, 300_000, 900_000]
const readIn11 = [3_700_000, 3_800_000]
// Times to delivery of the emails sent in 10:xx; two more fail.
const sentIn10 = [120, 450, 800, 950, 1_300, 2_600, 9_000, 40]

await t.test('the bins: edges, values and the documented precision', async (t) => {
  t.equal(durationBin(0), 0)
  t.equal(durationBin(9.99), 0)
  t.equal(durationBin(10), 1)
  t.equal(durationBin(20), 5, 'one doubling is four bins')
  t.equal(durationBin(1e12), 113, 'the last bin is open-ended')
  for (const ms of [10, 37, 999, 12_345, 3_600_000, 86_400_000 * 3]) {
    const value = binValueMs(durationBin(ms))
    t.ok(value / ms <= QUANTILE_PRECISION && ms / value <= QUANTILE_PRECISION, `${ms} ms is reported as ${value.toFixed(1)}`)
  }
  t.equal(quantileMs(null, 0.5), null)
  t.equal(quantileMs([0, 0], 0.5), null)
  // The SQL bin rule is the same as the TypeScript one.
  const edges = [0, 5, 9.999, 10, 11.9, 11.95, 14.15, 20, 1000, 3_600_000, 1e10]
  const { rows } = await sql<{ ms: number; bin: number }>`SELECT ms, stats_bin(ms) AS bin FROM unnest(${edges}::float8[]) AS ms`.execute(app.db)
  t.same(rows.map((r) => r.bin), edges.map(durationBin), 'stats_bin in PostgreSQL matches durationBin')

  // The rollups store the bins of their quantiles, computed in SQL; the rule must be quantileMs's
  // (rank ceil(q·n), the first bin reaching it), at the edges and on random histograms.
  let seed = 7
  const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647
  const histograms: number[][] = [[0, 0, 1], [1], [5, 0, 0, 5], [0, 30], [10, 10, 10], [7, 0, 63], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]
  for (let i = 0; i < 200; i++) histograms.push(Array.from({ length: 1 + Math.floor(random() * 114) }, () => (random() < 0.6 ? 0 : Math.floor(random() * 40))))
  const { rows: quantiles } = await sql<{ i: number; median: number | null; p90: number | null }>`
    SELECT i, stats_histogram_quantile_bin(h, 0.5) AS median, stats_histogram_quantile_bin(h, 0.9) AS p90
    FROM unnest(${histograms.map((h) => `{${h.join(',')}}`)}::text[]) WITH ORDINALITY AS x(h_text, i), LATERAL (SELECT h_text::integer[] AS h) h ORDER BY i`.execute(app.db)
  t.same(
    quantiles.map((r) => [quantileBinMs(r.median), quantileBinMs(r.p90)]),
    histograms.map((h) => [quantileMs(h, 0.5), quantileMs(h, 0.9)]),
    'stats_histogram_quantile_bin in PostgreSQL matches quantileMs',
  )
  const { rows: none } = await sql<{ q: number | null }>`SELECT stats_histogram_quantile_bin(NULL, 0.5) AS q UNION ALL SELECT stats_histogram_quantile_bin('{0,0}', 0.5)`.execute(app.db)
  t.same(none.map((r) => r.q), [null, null], 'nothing counted: no quantile')
})

await t.test('known notifications, reads, deliveries and unsubscribes are counted per hour and day', async (t) => {
  const notification = (i: number, type: string) => ({
    user_id: `u-${i}`,
    type,
    title: 't',
    body: 'b',
    data: '{}',
    created_at: at(H10, i * 1000),
    event_source: 'test',
    event_id: `e-${type}-${i}`,
  })
  // 12 booking_confirmed in one statement, 3 booking_cancelled one by one.
  const confirmed = await app.db.insertInto('notifications').values(Array.from({ length: 12 }, (_, i) => notification(i, 'booking_confirmed'))).returning(['id', 'created_at']).execute()
  for (let i = 0; i < 3; i++) await app.db.insertInto('notifications').values(notification(100 + i, 'booking_cancelled')).execute()
  // Read marks, in one statement, with known times to read.
  const reads = [...readIn10, ...readIn11].map((ms, i) => ({ id: confirmed[i]!.id, read_at: new Date(confirmed[i]!.created_at.getTime() + ms) }))
  await sql`UPDATE notifications n SET read_at = r.read_at::timestamptz FROM (SELECT * FROM json_to_recordset(${JSON.stringify(reads)}::json) AS x(id uuid, read_at text)) r WHERE n.id = r.id`.execute(app.db)
  // Reading an already read one again, and unreading, add no read.
  await sql`UPDATE notifications SET read_at = read_at + interval '1 second' WHERE id = ${confirmed[0]!.id}`.execute(app.db)
  await sql`UPDATE notifications SET read_at = NULL WHERE id = ${confirmed[11]!.id}`.execute(app.db)

  // Emails: planned at 10:00 (+i s), then sent or failed.
  const delivery = (i: number) => ({
    channel: 'email' as const,
    user_id: `u-${i}`,
    destination: `u${i}@example.com`,
    notification_type: 'booking_confirmed',
    template: 'booking-confirmed',
    locale: 'en',
    payload: '{}',
    created_at: at(H10, i * 1000),
    event_source: 'test',
    event_id: `d-${i}`,
  })
  const planned = await app.db.insertInto('deliveries').values(Array.from({ length: sentIn10.length + 3 }, (_, i) => delivery(i))).returning(['id', 'created_at']).execute()
  for (const [i, ms] of sentIn10.entries()) {
    await app.db.updateTable('deliveries').set({ status: 'sent', sent_at: new Date(planned[i]!.created_at.getTime() + ms), updated_at: new Date(planned[i]!.created_at.getTime() + ms) }).where('id', '=', planned[i]!.id).execute()
  }
  const failedIds = planned.slice(sentIn10.length, sentIn10.length + 2).map((p) => p.id)
  await app.db.updateTable('deliveries').set({ status: 'failed', updated_at: at(H10, 30 * 60_000) }).where('id', 'in', failedIds).execute()
  // A failed delivery updated again while failed is not a second failure.
  await app.db.updateTable('deliveries').set({ last_error: 'again', updated_at: at(H10, 31 * 60_000) }).where('id', 'in', failedIds).execute()
  // An SMS planned straight as sent (as a bulk import would), 2 s after its event.
  await app.db.insertInto('deliveries').values({ ...delivery(50), channel: 'sms', destination: '+4915112345678', status: 'sent', sent_at: at(H10, 50_000 + 2_000) }).execute()

  // Unsubscribes at 11:xx: an email switched off (new row), one switched off (was on), SMS off by
  // default written as off (not an unsubscribe), one already off written off again (not one).
  const pref = (user: string, channel: 'email' | 'in_app' | 'push' | 'sms', enabled: boolean) => ({ user_id: user, type: 'booking_confirmed', channel, enabled, updated_at: at(H11, 60_000) })
  await app.db.insertInto('preferences').values([pref('u-1', 'email', false), pref('u-2', 'email', true), pref('u-3', 'sms', false), pref('u-4', 'push', false)]).execute()
  await app.db
    .insertInto('preferences')
    .values([pref('u-2', 'email', false), pref('u-4', 'push', false)])
    .onConflict((oc) => oc.columns(['user_id', 'type', 'channel']).doUpdateSet({ enabled: (eb) => eb.ref('excluded.enabled'), updated_at: (eb) => eb.ref('excluded.updated_at') }))
    .execute()

  // Stored already read (as an import would): its read counts too.
  await app.db.insertInto('notifications').values({ ...notification(200, 'welcome'), read_at: at(H10, 200_000 + 5_000) }).execute()

  const hours = await bucketsOf(`from=${H10}&to=2026-03-02T12:00:00Z&interval=hour`)
  t.match(find(hours, H10, 'welcome', 'inApp'), { created: 1, read: 1, medianToReadMs: Math.round(binValueMs(durationBin(5_000))) }, 'inserted as read')
  const inApp10 = find(hours, H10, 'booking_confirmed', 'inApp')
  t.match(inApp10, { created: 12, sent: 0, failed: 0, read: readIn10.length, unsubscribed: 0 }, 'in-app at 10:00')
  t.ok(within(inApp10!.medianToReadMs, exactQuantile(readIn10, 0.5)), `median to read ${inApp10!.medianToReadMs} vs exact ${exactQuantile(readIn10, 0.5)}`)
  t.ok(within(inApp10!.p90ToReadMs, exactQuantile(readIn10, 0.9)), `p90 to read ${inApp10!.p90ToReadMs} vs exact ${exactQuantile(readIn10, 0.9)}`)
  t.equal(inApp10!.medianToDeliveryMs, null)
  t.match(find(hours, H10, 'booking_cancelled', 'inApp'), { created: 3, read: 0, medianToReadMs: null }, 'single-row statements add up')
  const inApp11 = find(hours, H11, 'booking_confirmed', 'inApp')
  t.match(inApp11, { created: 0, read: 2 }, 'reads count in the hour they happened')
  t.ok(within(inApp11!.medianToReadMs, exactQuantile(readIn11, 0.5)))

  const email10 = find(hours, H10, 'booking_confirmed', 'email')
  t.match(email10, { created: sentIn10.length + 3, sent: sentIn10.length, failed: 2, read: 0, unsubscribed: 0 }, 'emails at 10:00')
  t.ok(within(email10!.medianToDeliveryMs, exactQuantile(sentIn10, 0.5)), `median to delivery ${email10!.medianToDeliveryMs} vs exact ${exactQuantile(sentIn10, 0.5)}`)
  t.ok(within(email10!.p90ToDeliveryMs, exactQuantile(sentIn10, 0.9)), `p90 to delivery ${email10!.p90ToDeliveryMs} vs exact ${exactQuantile(sentIn10, 0.9)}`)
  t.match(find(hours, H10, 'booking_confirmed', 'sms'), { created: 1, sent: 1, medianToDeliveryMs: Math.round(binValueMs(durationBin(2000))) }, 'inserted as sent')
  t.match(find(hours, H11, 'booking_confirmed', 'email'), { unsubscribed: 2, created: 0 }, 'two email unsubscribes (a new row off, a row switched off)')
  t.match(find(hours, H11, 'booking_confirmed', 'push'), { unsubscribed: 1 }, 'push written off once, then off again: one')
  t.notOk(find(hours, H11, 'booking_confirmed', 'sms'), 'SMS written off (its default) is no unsubscribe')

  const days = await bucketsOf(`from=2026-03-02T09:30:00Z&to=2026-03-03T00:00:00Z&interval=day`)
  const inAppDay = find(days, DAY, 'booking_confirmed', 'inApp')
  t.match(inAppDay, { created: 12, read: readIn10.length + readIn11.length }, 'the day holds both hours (from floored to the day)')
  t.ok(within(inAppDay!.medianToReadMs, exactQuantile([...readIn10, ...readIn11], 0.5)))
  t.ok(within(inAppDay!.p90ToReadMs, exactQuantile([...readIn10, ...readIn11], 0.9)))
  t.match(find(days, DAY, 'booking_confirmed', 'email'), { created: sentIn10.length + 3, sent: sentIn10.length, failed: 2, unsubscribed: 2 })

  t.same(await bucketsOf(`from=${H11}&to=2026-03-02T12:00:00Z&interval=hour&channel=email`), [find(hours, H11, 'booking_confirmed', 'email')], 'filtered by channel')
  t.same((await bucketsOf(`from=${H10}&to=${H11}&interval=hour&type=booking_cancelled`)).map((b) => b.type), ['booking_cancelled'], 'filtered by type')
  t.same(await bucketsOf(`from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z&interval=day`), [], 'nothing on other days')

  // Retention deleting the rows leaves the statistics as they were.
  await app.db.deleteFrom('notifications').where('event_source', '=', 'test').execute()
  t.match(find(await bucketsOf(`from=${H10}&to=${H11}&interval=hour`), H10, 'booking_confirmed', 'inApp'), { created: 12, read: readIn10.length })
})

await t.test("the service's own writes reach the statistics: an event, a read, an unsubscribe in the preferences", async (t) => {
  const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000)
  const ingest = await app.inject({ method: 'POST', url: '/v1/events', headers: auth(app, 'booking-service', ['events:publish']), payload: bookingCreated({ user: ada, admins: [] }) })
  t.equal(ingest.statusCode, 202, ingest.body)
  const list = (await app.inject({ url: '/v1/notifications', headers: auth(app, ada.id) })).json() as { items: { id: string; type: string }[] }
  const item = list.items[0]!
  t.equal((await app.inject({ method: 'POST', url: `/v1/notifications/${item.id}/read`, headers: auth(app, ada.id) })).statusCode, 200)
  const put = await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, ada.id), payload: { [item.type]: { email: false } } })
  t.equal(put.statusCode, 200, put.body)
  const query = `from=${hour.toISOString()}&to=${new Date(hour.getTime() + 7_200_000).toISOString()}&interval=hour`
  const buckets = (await bucketsOf(query)).filter((b) => b.type === item.type)
  const inApp = buckets.find((b) => b.channel === 'inApp')
  t.match(inApp, { created: 1, read: 1 }, 'created and read in-app')
  t.type(inApp?.medianToReadMs, 'number')
  t.match(buckets.find((b) => b.channel === 'email'), { created: 1, unsubscribed: 1 }, 'the email planned, then switched off')
})

t.test('bad ranges and intervals are 400 with a message; no admin role is 403; no token 401', async (t) => {
  for (const [query, message] of [
    ['from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z&interval=day', /from must not be after/],
    ['from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=hour', /at most 31 days by hour/],
    ['from=2020-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=day', /at most 400 days by day/],
    ['from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&interval=minute', /interval/],
    ['from=yesterday&interval=day', /from/],
    ['to=2026-03-01T00:00:00Z&interval=hour&channel=fax', /channel/],
  ] as const) {
    const response = await stats(query)
    t.equal(response.statusCode, 400, query)
    t.match(response.json(), { statusCode: 400, message }, query)
  }
  t.equal((await stats('interval=day', auth(app, 'u-1'))).statusCode, 403, 'a user token without the role')
  t.equal((await stats('interval=day', auth(app, 'u-1', ['events:publish']))).statusCode, 403)
  t.equal((await app.inject({ url: '/v1/admin/stats' })).statusCode, 401)
  const defaults = await stats('interval=hour')
  t.equal(defaults.statusCode, 200)
  const body = defaults.json() as { from: string; to: string }
  t.equal(new Date(body.to).getTime() - new Date(body.from).getTime() <= 25 * 3_600_000, true, 'the default is the last day by hour')
})
