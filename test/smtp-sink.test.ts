import nodemailer from 'nodemailer'
import t from 'tap'
import { SmtpSink, scanMessageId } from './helpers/smtp-sink.js'

/** The fault tests lean on the SMTP sink's outage being real; this checks the sink itself. */

const message = (n: number) => ({ from: 'a@example.com', to: 'b@example.com', subject: `m${n}`, text: 'x', messageId: `<m${n}@bookit.local>` })

t.test('stop() cuts a pooled connection: the next send fails to connect, nothing more is accepted', async (t) => {
  const sink = new SmtpSink({ parse: false })
  await sink.start()
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 1 })
  t.teardown(() => transport.close())
  await transport.sendMail(message(1))
  t.same(sink.accepted, [{ to: 'b@example.com', messageId: '<m1@bookit.local>' }])

  const started = Date.now()
  await sink.stop()
  // Left open, a pooled connection would outlive the listener (up to 30 s) and keep talking.
  t.ok(Date.now() - started < 5_000, 'stopped without waiting for open connections')
  const error = await transport.sendMail(message(2)).then(() => undefined, (err: { code?: string }) => err)
  t.match(error, { code: /^(ECONNECTION|ESOCKET|ECONNREFUSED)$/ }, `the next send cannot reach the server (${error?.code})`)
  t.equal(sink.accepted.length, 1, 'nothing accepted after the stop')

  await sink.start()
  t.teardown(() => sink.stop())
  await transport.sendMail(message(3))
  t.same(sink.accepted.map((m) => m.messageId), ['<m1@bookit.local>', '<m3@bookit.local>'], 'back on the same port')
})

t.test('the header scan finds a folded or oddly cased Message-ID, and only in the headers', async (t) => {
  t.equal(scanMessageId('Subject: x\r\nMessage-ID: <a@b>\r\nTo: c'), '<a@b>')
  t.equal(scanMessageId('message-id:\r\n <folded@b>\r\nTo: c'), '<folded@b>')
  t.equal(scanMessageId('Subject: x\nX-Message-ID: <no@b>'), undefined, 'not another header that ends the same')
  const sink = new SmtpSink({ parse: false })
  t.throws(() => sink.received, /does not parse/, 'a sink that does not parse says so instead of looking empty')
})
