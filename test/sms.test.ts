import { randomUUID } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import smpp from 'smpp'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import type { Channel, DeliveryJob, SendOutcome } from '../src/delivery/channel.js'
import { createSmsChannel } from '../src/delivery/sms/index.js'
import { encodeSms } from '../src/delivery/sms/segments.js'
import { smsDeliveryStatus } from '../src/delivery/sms/sms-store.js'
import { smsText } from '../src/domain/sms-text.js'
import { JWT_SECRET, build, createTestDatabase, waitFor } from './helpers/app.js'
import { TestSmsc } from './helpers/smsc.js'

const { app, logs, config } = await build(t, { DATABASE_URL: await createTestDatabase(t) }, { sendEmails: false })
const signal = new AbortController().signal

function job(text: string, destination = '+4915112345678'): DeliveryJob {
  return { id: randomUUID(), channel: 'sms', userId: 'u-42', destination, notificationType: 'booking_cancelled', notificationId: null, template: 'sms', locale: 'de', payload: { text }, attempts: 1, createdAt: new Date() }
}

async function startSmsc(t: Tap): Promise<TestSmsc> {
  const smsc = new TestSmsc()
  await smsc.start()
  t.teardown(() => smsc.stop())
  return smsc
}
type Tap = { teardown(fn: () => unknown): void }

function smsChannel(t: Tap, url: string, window = 10, receipts?: (id: string, status: string) => Promise<void>, enquireLinkMs?: number): Channel {
  const channel = createSmsChannel({
    config: { ...config, sms: { url, from: 'BookIT', window } },
    db: app.db,
    log: app.log,
    onDeliveryReceipt: receipts,
    session: { throttleBackoffMs: 20, reconnectMinMs: 50, responseTimeoutMs: 10_000, ...(enquireLinkMs ? { enquireLinkMs } : {}) },
  })
  t.teardown(() => channel.close())
  return channel
}

/** What the pipeline does with one delivery: send, and send again while the outcome is 'retry'. */
async function sendUntilFinal(channel: Channel, j: DeliveryJob): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = []
  for (let attempt = 1; attempt <= 10; attempt++) {
    const outcome = await channel.send({ ...j, attempts: attempt }, signal)
    outcomes.push(outcome)
    if (outcome.kind !== 'retry') break
  }
  return outcomes
}

t.test('GSM-7 when the text fits, UCS-2 otherwise; 153 septets / 67 characters per part', async (t) => {
  t.match(encodeSms('Buchung storniert: Quartalsbericht, Mo 1.12. 10:00. Grüße', 1), { encoding: 'GSM-7', dataCoding: 0, parts: [Buffer] })
  t.equal(encodeSms('a'.repeat(160), 1).parts.length, 1, '160 septets fit one SMS')
  const long = encodeSms('a'.repeat(161), 9)
  t.same(long.parts.map((p) => p.length), [6 + 153, 6 + 8])
  t.same([...(long.parts[1] as Buffer).subarray(0, 6)], [0x05, 0x00, 0x03, 9, 2, 2], 'UDH: reference 9, part 2 of 2')
  t.equal(encodeSms('€'.repeat(80), 1).parts.length, 1, 'an extension character counts two septets')
  t.same(encodeSms('€'.repeat(81), 1).parts.map((p) => p.length), [6 + 152, 6 + 10], 'an escape is never split from its character')
  t.match(encodeSms('Zürich → Berlin', 1), { encoding: 'UCS-2', dataCoding: 8 })
  t.equal(encodeSms('✓'.repeat(70), 1).parts.length, 1, '70 UCS-2 characters fit one SMS')
  t.same(encodeSms('✓'.repeat(71), 1).parts.map((p) => p.length), [6 + 134, 6 + 8])
  t.same(encodeSms('😀'.repeat(40), 1).parts.map((p) => p.length), [6 + 132, 6 + 28], 'a surrogate pair stays in one part')
  t.match(smsText('Buchung storniert: Quartalsbericht', 'Main Hall, Mo 10:00. Storniert von Ada.'), /^BookIT: Buchung storniert: Quartalsbericht\. Main Hall/)
  t.equal(encodeSms(smsText('x', '✓'.repeat(1000)), 1).parts.length, 3, 'texts are kept to three parts')
  t.equal(smsText('Buchung „Review“', '1. Dez. 2026, 10:00\u202F–\u202F12:30'), 'BookIT: Buchung "Review". 1. Dez. 2026, 10:00 - 12:30', 'typographic characters in GSM-7 form')
  t.match(encodeSms(smsText('Buchung „Review“', '10:00–12:30 Grüße'), 1), { encoding: 'GSM-7' })
})

t.test('a number that is not E.164 is refused as failed, never sent', async (t) => {
  const smsc = await startSmsc(t)
  const channel = smsChannel(t, smsc.url())
  for (const bad of ['015112345678', '+0151123', '4915112345678', '+49 151 1234567']) {
    t.match(await channel.send(job('Hallo', bad), signal), { kind: 'failed', error: /E\.164/ }, bad)
  }
  t.equal(smsc.submits.length, 0)
})

t.test('a wrong password: the channel says so plainly and stays unreachable', async (t) => {
  const smsc = await startSmsc(t)
  const channel = smsChannel(t, smsc.url('wrong-password'))
  for (let i = 0; i < 2; i++) {
    const outcome = await channel.send(job('Hallo'), signal)
    t.match(outcome, { kind: 'unreachable', error: /refused the bind: ESME_RINVPASWD \(check the user and password in SMS_URL\)/ })
  }
  t.equal(smsc.refusedBinds, 2, 'tried again on the next send')
  await t.rejects(channel.verify?.() ?? Promise.resolve(), /ESME_RINVPASWD/)
  t.equal(smsc.submits.length, 0)
  t.notMatch(logs.text, /wrong-password|sms-pass/, 'the password is never logged')
  const down = smsChannel(t, 'smpp://bookit:x@127.0.0.1:1')
  t.match(await down.send(job('Hallo'), signal), { kind: 'unreachable', error: /cannot connect to the SMSC at 127\.0\.0\.1:1: ECONNREFUSED/ })
})

t.test('the bind is kept alive with enquire_link, and bound again when the SMSC drops it while idle', async (t) => {
  const smsc = await startSmsc(t)
  const channel = smsChannel(t, smsc.url(), 10, undefined, 50)
  await channel.verify?.()
  t.equal(smsc.binds, 1, 'verify binds at start-up')
  await waitFor(() => smsc.enquireLinks >= 2, { what: 'enquire_link on an idle bind' })
  smsc.dropAll()
  await waitFor(() => smsc.binds === 2, { what: 'a new bind with nothing to send, so receipts keep coming' })
  t.equal((await channel.send(job('Hallo'), signal)).kind, 'sent')
  t.equal(smsc.binds, 2, 'the send used the new bind')
})

t.test('a long UCS-2 text goes in three parts whose UDH reassembles to the text', async (t) => {
  const smsc = await startSmsc(t)
  const channel = smsChannel(t, smsc.url())
  const text = 'Ihre Buchung „Quartalsbericht“ im Saal Süd am 1.12. um 10:00 wurde storniert ✓. '.repeat(2) + 'Fragen? Bitte anrufen.'
  t.ok([...text].length > 134 && [...text].length <= 201)
  const j = job(text)
  const outcome = await channel.send(j, signal)
  t.equal(outcome.kind, 'sent')
  t.equal(smsc.submits.length, 3)
  const references = new Set(smsc.submits.map((s) => s.concat?.reference))
  t.equal(references.size, 1, 'one reference for all parts')
  t.same(smsc.submits.map((s) => [s.concat?.seq, s.concat?.total, s.dataCoding, s.esmClass & 0x40]), [[1, 3, 8, 0x40], [2, 3, 8, 0x40], [3, 3, 8, 0x40]])
  const reassembled = [...smsc.submits].sort((a, b) => (a.concat?.seq ?? 0) - (b.concat?.seq ?? 0)).map((s) => s.text).join('')
  t.equal(reassembled, text)
  t.equal(smsc.submits[0]?.to, '4915112345678')
  t.equal(outcome.kind === 'sent' && outcome.providerId, smsc.submits.map((s) => s.messageId).join(','), 'the SMSC message ids are the provider id')
})

t.test('receipts move a delivery to delivered (all parts) or failed', async (t) => {
  const smsc = await startSmsc(t)
  const told: [string, string][] = []
  const channel = smsChannel(t, smsc.url(), 10, async (id, status) => {
    told.push([id, status])
  })
  const long = job('Ein langer Text, der in zwei Teile geht: ' + 'a'.repeat(150))
  const short = job('Kurz.')
  t.equal((await channel.send(long, signal)).kind, 'sent')
  t.equal((await channel.send(short, signal)).kind, 'sent')
  const [p1, p2, s1] = smsc.submits.map((s) => String(s.messageId))
  t.equal(await smsc.receipt(p1 as string, 'DELIVRD'), 0, 'receipt acknowledged')
  t.equal(await smsDeliveryStatus(app.db, long.id), 'submitted', 'one part of two delivered is not delivered')
  t.equal(await smsc.receipt(p2 as string, 'DELIVRD'), 0)
  t.equal(await smsc.receipt(s1 as string, 'UNDELIV'), 0)
  t.equal(await smsDeliveryStatus(app.db, long.id), 'delivered')
  t.equal(await smsDeliveryStatus(app.db, short.id), 'failed')
  t.same(told, [[long.id, 'delivered'], [short.id, 'failed']])
  t.equal(await smsc.receipt('msg-unknown', 'DELIVRD'), 0, 'an unknown id is acknowledged, not an error')
})

t.test('a receipt that arrives before the submit is stored still finds its delivery', async (t) => {
  const smsc = await startSmsc(t)
  smsc.receiptRightAway = true
  const channel = smsChannel(t, smsc.url())
  const jobs = Array.from({ length: 5 }, (_, i) => job(`Schnell ${i}`))
  t.same((await Promise.all(jobs.map((j) => channel.send(j, signal)))).map((o) => o.kind), Array(5).fill('sent'))
  for (const j of jobs) await waitFor(async () => (await smsDeliveryStatus(app.db, j.id)) === 'delivered', { what: `delivered: ${j.payload.text}` })
})

t.test('ESME_RTHROTTLED: the channel backs off and sends again, then gives the delivery back to retry', async (t) => {
  const smsc = await startSmsc(t)
  smsc.answer = (_s, n) => (n < 3 ? { status: smpp.errors.ESME_RTHROTTLED } : { accept: true })
  const channel = smsChannel(t, smsc.url())
  t.equal((await channel.send(job('Hallo'), signal)).kind, 'sent')
  t.equal(smsc.submits.length, 4, 'three throttled answers, then accepted')
  t.same(new Set(smsc.submits.map((s) => s.text)), new Set(['Hallo']))

  smsc.answer = () => ({ status: smpp.errors.ESME_RTHROTTLED })
  const before = smsc.submits.length
  const outcome = await channel.send(job('Noch einmal'), signal)
  t.match(outcome, { kind: 'retry', error: /ESME_RTHROTTLED/, retryAfterMs: Number })
  t.ok(smsc.submits.length - before <= 6, 'a bounded number of tries, not a flood')
})

t.test('at most SMS_WINDOW submits wait for an answer at once', async (t) => {
  const smsc = await startSmsc(t)
  smsc.answer = () => ({ accept: true, delayMs: 100 })
  const channel = smsChannel(t, smsc.url(), 3)
  const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => channel.send(job(`Nachricht ${i}`), signal)))
  t.same(outcomes.map((o) => o.kind), Array(10).fill('sent'))
  t.equal(smsc.maxOutstanding, 3, 'the window is used, and never exceeded')
})

t.test('a drop mid-send: rebind, nothing lost, only the unanswered submits sent twice', async (t) => {
  const smsc = await startSmsc(t)
  // The 5th submit never gets an answer: the SMSC drops the connection when it arrives.
  smsc.answer = (_s, n) => (n === 4 ? { drop: true } : { accept: true, delayMs: 20 })
  const channel = smsChannel(t, smsc.url(), 4)
  const jobs = Array.from({ length: 10 }, (_, i) => job(`Nachricht ${i}`))
  const first = await Promise.all(jobs.map((j) => channel.send(j, signal)))
  t.ok(first.some((o) => o.kind === 'retry'), 'the submits waiting at the drop are given back to retry')
  t.notOk(first.some((o) => o.kind === 'unreachable' || o.kind === 'failed'))
  await waitFor(() => smsc.binds === 2, { what: 'a new bind after the drop' })
  // The pipeline retries what came back as 'retry'.
  for (const [i, j] of jobs.entries()) if (first[i]?.kind === 'retry') t.same((await sendUntilFinal(channel, j)).at(-1)?.kind, 'sent')

  const answeredTexts = smsc.submits.filter((s) => s.answered).map((s) => s.text)
  t.same(new Set(answeredTexts), new Set(jobs.map((j) => j.payload.text)), 'every message accepted')
  t.equal(answeredTexts.length, jobs.length, 'each accepted exactly once')
  const unanswered = new Set(smsc.submits.filter((s) => !s.answered).map((s) => s.text))
  const twice = new Set(smsc.submits.map((s) => s.text).filter((text, i, all) => all.indexOf(text) !== i))
  t.ok([...twice].every((text) => unanswered.has(text)), 'only a submit the SMSC never answered was sent again (at least once)')
  t.ok(twice.size >= 1)
})

t.test('a drop between the parts of a long text: the retry sends only the parts not accepted', async (t) => {
  const smsc = await startSmsc(t)
  smsc.answer = (_s, n) => (n === 1 ? { drop: true } : { accept: true })
  const channel = smsChannel(t, smsc.url())
  const text = '✓ Teil für Teil. '.repeat(11)
  const outcomes = await sendUntilFinal(channel, job(text))
  t.same(outcomes.map((o) => o.kind), ['retry', 'sent'])
  t.same(smsc.submits.map((s) => [s.concat?.seq, s.answered]), [[1, true], [2, false], [2, true], [3, true]], 'part 1 is not sent twice')
  t.equal(new Set(smsc.submits.map((s) => s.concat?.reference)).size, 1, 'the same reference on the retry')
})

t.test('without SMS_URL (development) texts are captured in DATA_DIR/sms', async (t) => {
  const channel = createSmsChannel({ config, db: app.db, log: app.log })
  const j = job('Buchung storniert: Quartalsbericht ✓')
  t.match(await channel.send(j, signal), { kind: 'sent', providerId: /^captured:/ })
  const dir = join(config.dataDir, 'sms')
  const files = await readdir(dir)
  t.equal(files.length, 1)
  const content = await readFile(join(dir, files[0] as string), 'utf8')
  t.match(content, /To: \+4915112345678\nFrom: BookIT\nType: booking_cancelled\nEncoding: UCS-2, 1 part\n\nBuchung storniert: Quartalsbericht ✓/)
  const production = createSmsChannel({ config: { ...config, env: 'production' }, db: app.db, log: app.log })
  t.match(await production.send(job('Hallo'), signal), { kind: 'failed', error: /SMS_URL is not set/ }, 'production never captures to files')
  t.equal((await readdir(dir)).length, 1)
})

t.test('SMS settings: a bad value stops the start with one line naming it', async (t) => {
  const base = { NODE_ENV: 'test', JWT_SECRET }
  t.throws(() => loadConfig({ ...base, SMS_URL: 'http://sms.example.com' }), new ConfigError('Invalid configuration: SMS_URL must start with smpp:// or ssmpp:// (got http://)'))
  t.throws(() => loadConfig({ ...base, SMS_FROM: 'BookIT Notifications' }), ConfigError)
  t.throws(() => loadConfig({ ...base, SMS_WINDOW: '0' }), /SMS_WINDOW/)
  t.match(loadConfig({ ...base, SMS_URL: 'smpp://u:p@127.0.0.1:2775', SMS_FROM: '+4930123456' }).sms, { url: 'smpp://u:p@127.0.0.1:2775', from: '+4930123456', window: 10 })
})
