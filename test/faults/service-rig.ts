import { connectDatabase } from '../../src/db/connect.js'
import { AMQP_URL, JWT_SECRET, brokerNames, createTestDatabase } from '../helpers/app.js'
import { serviceEnvironment } from '../helpers/service-process.js'
import { SmtpSink } from '../helpers/smtp-sink.js'

type Tap = Parameters<typeof brokerNames>[0]

/**
 * What a fault test that runs the service as its own process needs: an SMTP sink, a
 * database of its own (and a connection to check it), its own broker names, and the
 * service's environment pointing at all three.
 */
export async function serviceRig(t: Tap) {
  const smtp = new SmtpSink({ parse: false })
  await smtp.start()
  t.teardown(() => smtp.stop())
  const databaseUrl = await createTestDatabase(t)
  const env = serviceEnvironment({ databaseUrl, smtpUrl: smtp.url, broker: brokerNames(t), amqpUrl: AMQP_URL, jwtSecret: JWT_SECRET })
  const { db } = connectDatabase(databaseUrl, { max: 2 })
  t.teardown(() => db.destroy())
  return { smtp, db, env, exchange: env.AMQP_EXCHANGE!, queue: env.AMQP_QUEUE! }
}
