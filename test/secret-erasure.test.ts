import t from 'tap'
import { build, createTestDatabase, publishEvents, brokerNames, waitFor } from './helpers/app.js'
import { userCreated } from './helpers/events.js'
import { SmtpSink } from './helpers/smtp-sink.js'

// An activation link sets a password: it is a credential like the temporary password.
t.test('the activation link is erased with the temporary password once the welcome email is sent, and never logged', async (t) => {
  const smtp = new SmtpSink()
  await smtp.start()
  t.teardown(() => smtp.stop())
  const broker = brokerNames(t)
  const { app, logs } = await build(t, { DATABASE_URL: await createTestDatabase(t), AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', SMTP_URL: smtp.url, ...broker })
  await waitFor(() => app.amqpConsumer?.connected, { what: 'the consumer' })

  const activationUrl = 'https://bookit.example.com/activate?token=act-7f3a9c2e1b'
  const event = userCreated({ id: 'u-act', email: 'act@example.com', name: 'Act' }, { activationUrl })
  await publishEvents(broker.AMQP_EXCHANGE, [event])
  const [delivery] = await waitFor(async () => {
    const rows = await app.db.selectFrom('email_outbox').selectAll().where('event_id', '=', event.id).execute()
    return rows.length > 0 && rows.every((r) => r.status === 'sent') && rows
  }, { what: 'the welcome email sent' })
  t.match(smtp.to('act@example.com')[0]?.parsed.text, 'act-7f3a9c2e1b', 'the link is in the email')
  t.notOk('activationUrl' in delivery!.payload, 'and gone from the stored payload')
  t.notMatch(logs.text, 'act-7f3a9c2e1b', 'and from every log line')
})
