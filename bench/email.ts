/**
 * Email: 5,000 due emails in the outbox, sent to a local SMTP sink by the service.
 * Baseline, same run: nodemailer's pooled transport sending the same rendered messages
 * straight to the sink (same number of connections).
 * usage: npm run bench:email [-- --emails 5000]
 */
import { parseArgs } from 'node:util'
import nodemailer from 'nodemailer'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { createEmailRenderer } from '../src/email/render-email.js'
import { recordEvents } from '../src/ingest/record-events.js'
import { templatesDir } from '../src/paths.js'
import { bookingEvent, report, startBuiltService, waitForCount, waitUntil } from './lib.js'
import { createScratchDatabase } from './scratch-database.js'
import { startCountingSink } from './smtp-counter.js'

const { values } = parseArgs({ options: { emails: { type: 'string', default: '5000' }, connections: { type: 'string', default: '5' } } })
const total = Number(values.emails)
const connections = Number(values.connections)

const sink = await startCountingSink()
const scratch = await createScratchDatabase('email')
const { db, pool } = connectDatabase(scratch.url, { max: 2 })
await migrateToLatest(db)
// One booking confirmation per event: `total` due emails.
const events = Array.from({ length: total }, (_, i) => {
  const e = bookingEvent(i)
  e.data.hallAdmins = []
  return e
})
for (let i = 0; i < events.length; i += 500) await recordEvents(db, events.slice(i, i + 500) as never)
// Parked until the service is up, so its start-up is not timed.
await pool.query(`UPDATE email_outbox SET next_attempt_at = now() + interval '1 day'`)

// The same messages, rendered up front, for the baseline.
const renderer = createEmailRenderer(templatesDir)
const rows = await db.selectFrom('email_outbox').selectAll().execute()
const messages = rows.map((row) => {
  const r = renderer.render(row.template, row.locale, row.payload, { appUrl: 'http://localhost:5173', unsubscribeUrl: `http://localhost:3000/v1/unsubscribe?token=x.${row.id}` })
  return { from: 'BookIT <no-reply@bookit.local>', to: row.recipient, subject: r.subject, html: r.html, text: r.text, messageId: `<${row.id}@bookit.local>` }
})

const transport = nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: connections, maxMessages: Infinity })
let started = performance.now()
await Promise.all(messages.map((m) => transport.sendMail(m)))
const baseline = total / ((performance.now() - started) / 1000)
transport.close()
sink.reset()

const svc = startBuiltService({ DATABASE_URL: scratch.url, SMTP_URL: sink.url, EMAIL_CONCURRENCY: String(connections), EMAIL_POLL_MS: '50', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1' })
await waitUntil(() => /Server listening/.test(svc.output()), 30_000, 'the service', 5)
started = performance.now()
await pool.query(`UPDATE email_outbox SET next_attempt_at = now()`)
// The sink's count first (in this process, free), then the sent marks, which follow within
// a group's linger: polling a count of the outbox all along took CPU from the service.
await waitUntil(() => sink.count() >= total, 300_000, 'every email at the sink', 5)
await waitForCount(async () => Number((await pool.query(`SELECT count(*)::int AS n FROM email_outbox WHERE status = 'sent'`)).rows[0].n), total, 60_000, 'every email marked sent')
const service = total / ((performance.now() - started) / 1000)
if (sink.count() < total) throw new Error(`the sink got ${sink.count()} of ${total}`)
await svc.stop()
await db.destroy()
await scratch.drop()
await sink.stop()

await report(
  'email',
  [{ figure: 'emails/s delivered', value: service, unit: 'emails/s', baseline, target: '≥ 0.8 of baseline', met: service / baseline >= 0.8 }],
  [`${total.toLocaleString('en')} due emails, ${connections} SMTP connections. The service claims, renders, sends and records each one; the baseline only sends pre-rendered messages.`],
)
