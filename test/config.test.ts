import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { retrySchedule } from '../src/delivery/backoff.js'
import { startService } from './helpers/service-process.js'

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', JWT_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/bookit-config-test' }

t.test('defaults follow the contract', async (t) => {
  const config = loadConfig({ DATA_DIR: '/tmp/bookit-config-test' })
  t.equal(config.port, 3000)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.amqpExchange, 'bookit.events')
  t.equal(config.amqpQueue, 'notifications')
  t.equal(config.mailFrom, 'BookIT <no-reply@bookit.local>')
  t.equal(config.publicUrl, 'http://localhost:3000')
  t.equal(config.appUrl, 'http://localhost:5173')
  t.equal(config.retentionDays, 90)
  t.equal(config.logLevel, 'info')
  t.equal(config.databaseUrl, undefined, 'no DATABASE_URL means the embedded database')
  t.equal(config.jwt.algorithm, 'HS256', 'development gets a generated secret')
  t.equal(loadConfig({ DATA_DIR: '/tmp/bookit-config-test' }).jwt.algorithm === 'HS256' && (loadConfig({ DATA_DIR: '/tmp/bookit-config-test' }).jwt as { secret: string }).secret, (config.jwt as { secret: string }).secret, 'and keeps it between starts')
  // The real schedule, the waits the dispatcher itself would use, at their shortest.
  t.equal(config.digestDailyAt, '08:00', 'DIGEST_DAILY_AT')
  t.equal(loadConfig({ DATA_DIR: '/tmp/bookit-config-test', DIGEST_DAILY_AT: '06:30' }).digestDailyAt, '06:30')
  const schedule = retrySchedule(config.email, () => 0)
  t.equal(schedule.reduce((a, b) => a + b, 0), 24 * 3_600_000, 'default retries go on for EMAIL_GIVE_UP_AFTER (24 h), far past a 10-minute SMTP outage')
  t.equal(loadConfig({ ...base, EMAIL_GIVE_UP_AFTER: '30m' }).email.giveUpAfterMs, 30 * 60_000)
  t.equal(loadConfig({ ...base, EMAIL_GIVE_UP_AFTER: '5d' }).email.giveUpAfterMs, 5 * 86_400_000)
  t.equal(loadConfig({ ...base, EMAIL_GIVE_UP_AFTER: '36h' }).email.giveUpAfterMs, 36 * 3_600_000)
  t.same(config.reminderOffsetsMs, [24 * 3_600_000, 3_600_000], 'REMINDER_OFFSETS defaults to 24h,1h')
  t.same(loadConfig({ ...base, REMINDER_OFFSETS: '2m' }).reminderOffsetsMs, [120_000], 'a short offset for trying it out')
  t.same(loadConfig({ ...base, REMINDER_OFFSETS: '1h, 2d,30m' }).reminderOffsetsMs, [2 * 86_400_000, 3_600_000, 30 * 60_000], 'longest first')
  t.same(loadConfig({ ...base, REMINDER_OFFSETS: 'none' }).reminderOffsetsMs, [], 'none: no reminders')
  t.equal(config.statsFoldMs, 5_000, 'STATS_FOLD_MS defaults to 5 s')
  t.equal(loadConfig({ ...base, STATS_FOLD_MS: '250' }).statsFoldMs, 250)
})

t.test('each bad value stops the start with a line naming the variable', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^Invalid configuration: PORT must be a whole number/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT must be between 0 and 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /^Invalid configuration: DATABASE_URL must start with postgres:\/\//],
    [{ DATABASE_URL: 'not a url' }, /^Invalid configuration: DATABASE_URL is not a valid URL/],
    [{ AMQP_URL: 'http://x' }, /^Invalid configuration: AMQP_URL must start with amqp:/],
    [{ SMTP_URL: 'ftp://x' }, /^Invalid configuration: SMTP_URL/],
    [{ DIGEST_DAILY_AT: '8am' }, /^Invalid configuration: DIGEST_DAILY_AT must be a time of day as HH:MM, 00:00 to 23:59 \(got "8am"\)$/],
    [{ DIGEST_DAILY_AT: '24:00' }, /^Invalid configuration: DIGEST_DAILY_AT must be a time of day as HH:MM/],
    [{ JWT_SECRET: 'short' }, /^Invalid configuration: JWT_SECRET must be at least 32 characters/],
    [{ JWT_PUBLIC_KEY: 'nope' }, /^Invalid configuration: JWT_SECRET and JWT_PUBLIC_KEY are both set/],
    [{ JWT_SECRET: '', JWT_PUBLIC_KEY: 'nope' }, /^Invalid configuration: JWT_PUBLIC_KEY must be a PEM public key/],
    [{ RETENTION_DAYS: '0' }, /^Invalid configuration: RETENTION_DAYS must be between 1/],
    [{ LOG_LEVEL: 'loud' }, /^Invalid configuration: LOG_LEVEL must be one of/],
    [{ MAIL_FROM: 'not an address' }, /^Invalid configuration: MAIL_FROM/],
    [{ AMQP_QUEUE: 'has spaces' }, /^Invalid configuration: AMQP_QUEUE/],
    [{ NODE_ENV: 'staging' }, /^Invalid configuration: NODE_ENV/],
    [{ EMAIL_GIVE_UP_AFTER: 'soon' }, /^Invalid configuration: EMAIL_GIVE_UP_AFTER must be a duration such as 30m, 24h or 5d \(got "soon"\)$/],
    [{ EMAIL_GIVE_UP_AFTER: '10s' }, /^Invalid configuration: EMAIL_GIVE_UP_AFTER must be between 1 minute\(s\) and 30 days/],
    [{ LIVENESS_TIMEOUT_MS: '50' }, /^Invalid configuration: LIVENESS_TIMEOUT_MS must be between 1000/],
    [{ STATS_FOLD_MS: '0' }, /^Invalid configuration: STATS_FOLD_MS must be between 10 and 3600000 \(got 0\)$/],
    [{ STATS_FOLD_MS: '5s' }, /^Invalid configuration: STATS_FOLD_MS must be a whole number/],
    [{ REMINDER_OFFSETS: '24h,tomorrow' }, /^Invalid configuration: REMINDER_OFFSETS must be comma-separated durations such as 24h,1h or 2m \(got "24h,tomorrow"\)$/],
    [{ REMINDER_OFFSETS: '1h,60m' }, /^Invalid configuration: REMINDER_OFFSETS names the same offset twice/],
    [{ REMINDER_OFFSETS: '100d' }, /^Invalid configuration: REMINDER_OFFSETS must hold durations between 1s and 90d/],
    [{ NODE_ENV: 'production', DATABASE_URL: '' }, /^Invalid configuration: DATABASE_URL must be set when NODE_ENV=production/],
    [{ NODE_ENV: 'production', SMTP_URL: '' }, /^Invalid configuration: SMTP_URL must be set when NODE_ENV=production/],
    [{ NODE_ENV: 'production', SMTP_URL: 'smtp://x', JWT_SECRET: '' }, /^Invalid configuration: JWT_SECRET or JWT_PUBLIC_KEY must be set/],
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig({ ...base, ...env }), message, JSON.stringify(env))
    try {
      loadConfig({ ...base, ...env })
    } catch (err) {
      t.type(err, ConfigError)
    }
  }
})

t.test('a public key pins the algorithm to its key type', async (t) => {
  const { generateKeyPairSync } = await import('node:crypto')
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const withKey = (pem: string) => loadConfig({ ...base, JWT_SECRET: '', JWT_PUBLIC_KEY: pem, UNSUBSCRIBE_SECRET: 'u'.repeat(32) })
  t.equal(withKey(rsa).jwt.algorithm, 'RS256')
  t.equal(withKey(ec).jwt.algorithm, 'ES256')
  t.throws(() => loadConfig({ ...base, JWT_SECRET: '', JWT_PUBLIC_KEY: rsa }), /UNSUBSCRIBE_SECRET must be set/)
})

t.test('the server refuses to start on bad configuration, with one plain line', async (t) => {
  const service = startService({ ...base, PORT: 'eighty' })
  const code = await service.exited
  t.equal(code, 1, 'exit code 1')
  t.equal(service.output().trim(), 'Invalid configuration: PORT must be a whole number (got "eighty")', 'exactly one line, naming the variable')
})
