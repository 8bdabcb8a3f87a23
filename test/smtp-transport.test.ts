import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import t from 'tap'
import { classifySmtpError } from '../src/delivery/email/index.js'
import { type OutgoingEmail, smtpTransport } from '../src/email/mail-transport.js'
import { SmtpSink } from './helpers/smtp-sink.js'

/** The SMTP transport sends from a worker thread; what a send's outcome says must survive the crossing. */

const email = (n: number, to = 'b@example.com'): OutgoingEmail => ({
  from: 'BookIT <no-reply@bookit.local>',
  to,
  subject: `Grüße ${n}`,
  html: `<p>Hallo ${n}</p>`,
  text: `Hallo ${n}`,
  messageId: `<m${n}@bookit.local>`,
  headers: { 'List-Unsubscribe': '<http://localhost/u>' },
})

t.test('sent, refused for good, refused for now, and a server that cannot be reached are told apart', async (t) => {
  const sink = new SmtpSink({
    rejectRecipient: (address) => (address.startsWith('gone') ? { code: 550, message: 'no such user' } : address.startsWith('busy') ? { code: 451, message: 'try later' } : undefined),
  })
  await sink.start()
  const transport = smtpTransport(`smtp://127.0.0.1:${sink.port}`, 2)
  t.teardown(() => transport.close())

  await transport.verify()
  await transport.send(email(1))
  t.same(sink.received.map((m) => [m.messageId, m.parsed.subject, m.parsed.text?.trim()]), [['<m1@bookit.local>', 'Grüße 1', 'Hallo 1']], 'the message arrives whole: id, encoded subject, body')
  t.match(sink.received[0]!.raw, /^List-Unsubscribe: <http:\/\/localhost\/u>\r?$/m, 'with its headers')

  const outcome = async (p: Promise<void>) => p.then(() => 'sent', (err: unknown) => classifySmtpError(err))
  t.match(await outcome(transport.send(email(2, 'gone@example.com'))), { kind: 'failed', error: /^550 / }, 'a 550 ends the delivery')
  t.match(await outcome(transport.send(email(3, 'busy@example.com'))), { kind: 'retry', error: /^451 / }, 'a 451 is tried again')
  await sink.stop()
  t.match(await outcome(transport.send(email(4))), { kind: 'unreachable' }, 'a stopped server pauses the channel')
})

t.test('closing the transport fails an email in flight instead of leaving it hanging; the next email starts a new thread', async (t) => {
  let release: (() => void) | undefined
  const arrived: string[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      let head = ''
      stream.on('data', (chunk: Buffer) => (head += chunk.toString()))
      stream.on('end', () => {
        arrived.push(/Message-ID: (\S+)/i.exec(head)?.[1] ?? '?')
        // The first message is held: its sender waits for the reply.
        if (arrived.length === 1) release = () => callback()
        else callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.server.address() as AddressInfo).port
  const transport = smtpTransport(`smtp://127.0.0.1:${port}`, 1)
  t.teardown(() => transport.close())

  const held = transport.send(email(1)).then(() => undefined, (err: unknown) => err)
  while (arrived.length === 0) await new Promise((r) => setTimeout(r, 10))
  transport.close()
  const err = await held
  t.match(err, { message: /closed/ }, 'the email in flight fails')
  t.equal(classifySmtpError(err).kind, 'retry', 'and is tried again later (same Message-ID: a receiver can tell the copy)')
  release?.()

  await transport.send(email(2))
  t.same(arrived, ['<m1@bookit.local>', '<m2@bookit.local>'], 'the next email goes out through a new thread')
})
