import t from 'tap'
import { auth, build, createTestDatabase, waitFor } from '../helpers/app.js'
import { ada, bookingCreated, grace } from '../helpers/events.js'
import { SmtpSink } from '../helpers/smtp-sink.js'

/**
 * A hall admin's digest falls due while the SMTP server is down: it waits (not failed, not
 * split), lines that arrive meanwhile go into the next window, and when the server is back
 * exactly one digest email goes out with exactly its own lines.
 */
t.test('SMTP down when a digest falls due: it waits, goes out once with its own lines, and later lines wait for the next', async (t) => {
  const smtp = new SmtpSink()
  await smtp.start()
  t.teardown(() => smtp.stop())
  let now = new Date('2026-12-01T10:15:00Z')
  // Backoff shortened so the retry after the outage comes within the test.
  const { app, logs } = await build(t, { DATABASE_URL: await createTestDatabase(t), SMTP_URL: smtp.url, EMAIL_RETRY_BASE_MS: '1000', EMAIL_RETRY_MAX_MS: '8000' }, { clock: () => now })
  const publisher = auth(app, 'booking-service', ['events:publish'])
  await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, grace.id), payload: { hall_booking_created: { digest: 'hourly' } } })
  await app.inject({ method: 'PUT', url: '/v1/preferences', headers: auth(app, ada.id), payload: { booking_confirmed: { email: false } } })
  const send = async (titles: string[]) => {
    const response = await app.inject({ method: 'POST', url: '/v1/events', headers: publisher, payload: titles.map((title) => bookingCreated({ admins: [grace], booking: { title } })) })
    if (response.statusCode !== 202) throw new Error(`${response.statusCode} ${response.body}`)
  }
  const digests = () => app.db.selectFrom('deliveries').select(['id', 'status', 'attempts', 'digest_window']).where('user_id', '=', grace.id).where('digest_window', 'is not', null).orderBy('created_at').execute()

  await send(Array.from({ length: 50 }, (_, i) => `Before ${i}`))
  const [digest, ...none] = await digests()
  t.same(none, [], 'one digest for the window')

  await smtp.stop()
  // Past the window's end (11:00 UTC): the digest is due while nobody answers on the SMTP port.
  now = new Date('2026-12-01T11:00:05Z')
  app.deliveries.wake()
  await waitFor(() => logs.lines.some((l) => l.includes('SMTP server unreachable; deliveries paused')), { what: 'the dispatcher to meet the outage', timeout: 30_000 })
  const during = await app.db.selectFrom('deliveries').select(['status']).where('id', '=', digest!.id).executeTakeFirstOrThrow()
  t.equal(during.status, 'pending', 'the digest waits; it is not failed')

  // Lines committed after the window's end go into the next window, not the one waiting to be sent.
  await send(['After the end'])
  const windows = await digests()
  t.same(windows.map((d) => d.digest_window), ['hourly:2026-12-01T10:00:00.000Z', 'hourly:2026-12-01T11:00:00.000Z'], 'a second digest, for the next window (keys name where a window starts)')

  await smtp.start()
  // The retry is timed on the app's clock: move it past the longest backoff.
  now = new Date('2026-12-01T11:01:00Z')
  app.deliveries.wake()
  await waitFor(async () => (await app.db.selectFrom('deliveries').select('status').where('id', '=', digest!.id).executeTakeFirstOrThrow()).status === 'sent', { what: 'the digest sent after the outage', timeout: 60_000 })
  const mails = smtp.received.filter((m) => m.to === grace.email)
  t.equal(mails.length, 1, 'exactly one digest email')
  const lines = (mails[0]!.parsed.text ?? '').split('\n').filter((l) => l.startsWith('- New: '))
  t.equal(lines.length, 50, 'with its 50 lines')
  t.notOk(lines.some((l) => l.includes('After the end')), 'and not the line of the next window')

  now = new Date('2026-12-01T12:00:05Z')
  app.deliveries.wake()
  await waitFor(() => smtp.received.filter((m) => m.to === grace.email).length === 2, { what: 'the next window\'s digest', timeout: 30_000 })
  const next = smtp.received.filter((m) => m.to === grace.email)[1]!
  t.same((next.parsed.text ?? '').split('\n').filter((l) => l.startsWith('- New: ')).map((l) => l.replace(/ \(.*$/, '')), ['- New: After the end'], 'the next digest carries the later line alone')
  await new Promise((r) => setTimeout(r, 1_000))
  t.equal(smtp.received.filter((m) => m.to === grace.email).length, 2, 'and nothing is sent twice')
})
