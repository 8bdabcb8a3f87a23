import { createPublicKey, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { type VapidKeys, generateVapidKeys, vapidKeyProblem } from './delivery/web-push/vapid-keys.js'
import ipaddr from 'ipaddr.js'
import { isClockTime } from './domain/zoned-time.js'

/** Thrown for any configuration the service cannot start with; one line per problem, each naming its variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

export type JwtConfig =
  | { algorithm: 'HS256'; secret: string }
  | { algorithm: 'RS256' | 'ES256'; publicKey: string }

export interface Config {
  env: 'production' | 'development' | 'test'
  port: number
  host: string
  /**
   * Connections the kernel queues before the server accepts them. Thousands of streams
   * (re)connecting at once overflow a short queue, and a dropped SYN is retried only after 1 s, 3 s, 7 s.
   */
  listenBacklog: number
  /** `undefined` means the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined
  dataDir: string
  /** `undefined` means no broker: HTTP ingest only. */
  amqpUrl: string | undefined
  amqpExchange: string
  amqpQueue: string
  /** Messages held unacknowledged at once; also the largest batch committed in one transaction. */
  amqpPrefetch: number
  /** Type of the queues the service creates; an existing queue keeps its type. */
  amqpQueueType: 'quorum' | 'classic'
  /** Deliveries of one message (quorum queues) before the broker dead-letters it. */
  amqpDeliveryLimit: number
  /** Readiness reports the consumer stalled after this long without a commit while messages wait. */
  amqpStallAfterMs: number
  /** `undefined` means emails are written to `dataDir/mail/*.eml`. */
  smtpUrl: string | undefined
  mailFrom: string
  jwt: JwtConfig
  jwtIssuer: string | undefined
  jwtAudience: string | undefined
  /** Key for unsubscribe links; derived from the JWT secret when not set. */
  unsubscribeSecret: string
  publicUrl: string
  appUrl: string
  retentionDays: number
  retentionIntervalMinutes: number
  retentionBatchSize: number
  /** Announcement fan-out: recipients per transaction, and how often due announcements are looked for. */
  announcementBatchSize: number
  announcementPollMs: number
  logLevel: string
  /** Proxies whose X-Forwarded-For is believed: a hop count or addresses/CIDR ranges; `undefined`: none. */
  trustProxy: number | string[] | undefined
  email: EmailDeliveryConfig
  /** Origins browsers may call the API from (CORS); empty: none. */
  corsOrigins: string[]
  /** Open SSE streams: per user (the oldest is closed past it) and per instance (503 past it). */
  sseMaxStreamsPerUser: number
  sseMaxStreams: number
  /** Settings that work but deserve a look; logged once at start. */
  warnings: readonly string[]
  sms: SmsConfig
  webhooks: WebhookConfig
  /**
   * Where push subscriptions may point: always public addresses (endpoints come from users,
   * and real push services are public), except hosts in `PUSH_ALLOWED_HOSTS`.
   */
  pushEndpoints: WebhookConfig
  /** `undefined` means Web Push is off (production without VAPID keys). */
  webPush: WebPushConfig | undefined
  /** Local time ("HH:MM", the admin's zone) at which daily digests are sent (DIGEST_DAILY_AT). */
  digestDailyAt: string
  /** How long before a booking's start each reminder goes out (REMINDER_OFFSETS), longest first. */
  reminderOffsetsMs: readonly number[]
  /** How often each replica looks for due scheduled jobs (SCHEDULER_POLL_MS). */
  schedulerPollMs: number
  /** How often each replica folds the statistics deltas into the rollups (STATS_FOLD_MS). */
  statsFoldMs: number
}

export interface WebPushConfig extends VapidKeys {
  /** The VAPID `sub`: a mailto: or https: contact for push service operators. */
  subject: string
}

export interface SmsConfig {
  /** `smpp://user:pass@host:port`; holds a password, never logged. `undefined`: captured in `dataDir/sms/` (not in production). */
  url: string | undefined
  /** Sender: an alphanumeric name (up to 11 characters) or a number. */
  from: string
  /** Submits sent and not yet answered by the SMSC at once. */
  window: number
}

export interface WebhookConfig {
  /** Refuse endpoints that resolve to loopback, private, link-local or metadata addresses (on in production). */
  blockPrivateAddresses: boolean
  /** Host names, addresses or CIDR ranges exempt from that refusal (`WEBHOOK_ALLOWED_HOSTS`). */
  allowedHosts: string[]
}

export interface EmailDeliveryConfig {
  /** Whether this instance sends from the outbox; off for instances that only ingest or serve the API. */
  dispatch: boolean
  maxAttempts: number
  retryBaseMs: number
  retryMaxMs: number
  /** Give up on a delivery this long after it was created (EMAIL_GIVE_UP_AFTER). */
  giveUpAfterMs: number
  /**
   * How long a claim may stay unfinished while its holder is alive (a hung send) before
   * another instance may take it. A dead holder's claims are taken over at once, not after this.
   */
  leaseMs: number
  /**
   * The liveness connection's idle_session_timeout: an instance that cannot heartbeat for
   * this long (paused, cut off) loses its lock, and with it its claims.
   */
  livenessTimeoutMs: number
  batchSize: number
  pollMs: number
  concurrency: number
}

type Env = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function fail(variable: string, problem: string): never {
  throw new ConfigError(`Invalid configuration: ${variable} ${problem}`)
}

function text(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name)
  if (raw === undefined) return fallback
  if (!/^-?\d+$/.test(raw)) fail(name, `must be a whole number (got "${raw}")`)
  const value = Number(raw)
  if (value < min || value > max) fail(name, `must be between ${min} and ${max} (got ${value})`)
  return value
}

/** A local time of day as HH:MM (00:00 to 23:59). */
function clockTime(env: Env, name: string, fallback: string): string {
  const raw = text(env, name)
  if (raw === undefined) return fallback
  if (!isClockTime(raw)) fail(name, `must be a time of day as HH:MM, 00:00 to 23:59 (got "${raw}")`)
  return raw
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** A duration such as `90s`, `30m`, `24h` or `5d`, in milliseconds. */
function duration(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name)
  if (raw === undefined) return fallback
  const match = /^(\d+)\s*(ms|s|m|h|d)$/.exec(raw)
  if (!match) fail(name, `must be a duration such as 30m, 24h or 5d (got "${raw}")`)
  const value = Number(match[1]) * DURATION_UNITS[match[2]!]!
  if (value < min || value > max) fail(name, `must be between ${min / 60_000} minute(s) and ${max / 86_400_000} days (got "${raw}")`)
  return value
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = text(env, name)
  if (raw === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    fail(name, `is not a valid URL`)
  }
  if (!protocols.includes(parsed.protocol)) {
    fail(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')} (got ${parsed.protocol}//)`)
  }
  return raw
}

function name(env: Env, variable: string, fallback: string): string {
  const value = text(env, variable) ?? fallback
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(value)) fail(variable, `must be 1-200 letters, digits or . _ : - (got "${value}")`)
  return value
}

/** A secret that is long but guessable: few distinct characters, or one short piece repeated. */
function isWeakSecret(secret: string): boolean {
  if (new Set(secret).size < 8) return true
  for (let size = 1; size <= secret.length / 2; size++) {
    if (secret.length % size === 0 && secret.slice(0, size).repeat(secret.length / size) === secret) return true
  }
  return false
}

// Names proxy-addr (Fastify's trustProxy) knows for the private ranges.
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal']

function trustProxy(env: Env): number | string[] | undefined {
  const raw = text(env, 'TRUST_PROXY')
  if (raw === undefined) return undefined
  if (/^\d+$/.test(raw)) return integer(env, 'TRUST_PROXY', 0, 1, 100)
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean)
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/')
    const version = isIP(address ?? '')
    const maxBits = version === 6 ? 128 : 32
    const validRange = version !== 0 && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits))
    if (!validRange && !PROXY_RANGE_NAMES.includes(entry)) {
      fail('TRUST_PROXY', `must be a hop count or a comma-separated list of proxy addresses, CIDR ranges or ${PROXY_RANGE_NAMES.join('/')} (got "${entry}"); "true" is not accepted: it would let any client choose its own address`)
    }
  }
  return entries
}

const isLoopbackHost = (host: string) => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)

/** The development secret is kept in DATA_DIR so `npm run token` and the server agree on it. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'dev-jwt-secret')
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    const secret = randomBytes(32).toString('base64url')
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(file, secret + '\n', { mode: 0o600 })
    return secret
  }
}

function jwtConfig(env: Env, production: boolean, dataDir: string): JwtConfig {
  const secret = text(env, 'JWT_SECRET')
  const publicKey = text(env, 'JWT_PUBLIC_KEY')
  if (secret && publicKey) fail('JWT_SECRET', 'and JWT_PUBLIC_KEY are both set; set only one')
  if (secret) {
    if (secret.length < 32) fail('JWT_SECRET', 'must be at least 32 characters')
    return { algorithm: 'HS256', secret }
  }
  if (publicKey) {
    const pem = publicKey.replace(/\\n/g, '\n')
    let keyType: string | undefined
    try {
      keyType = createPublicKey(pem).asymmetricKeyType
    } catch {
      fail('JWT_PUBLIC_KEY', 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)')
    }
    // The key type decides the one algorithm accepted: no HS/RS confusion is possible.
    if (keyType === 'rsa') return { algorithm: 'RS256', publicKey: pem }
    if (keyType === 'ec') return { algorithm: 'ES256', publicKey: pem }
    fail('JWT_PUBLIC_KEY', `must be an RSA or EC (P-256) key (got ${keyType})`)
  }
  if (production) fail('JWT_SECRET', 'or JWT_PUBLIC_KEY must be set when NODE_ENV=production')
  return { algorithm: 'HS256', secret: developmentSecret(dataDir) }
}

/** Like the JWT secret: kept in DATA_DIR so subscriptions made in development survive a restart. */
function developmentVapidKeys(dataDir: string): VapidKeys {
  const file = join(dataDir, 'dev-vapid-keys.json')
  let keys: VapidKeys
  try {
    keys = JSON.parse(readFileSync(file, 'utf8')) as VapidKeys
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') fail('WEB_PUSH_PUBLIC_KEY', `is unset and DATA_DIR/dev-vapid-keys.json cannot be read; delete it to generate new development keys`)
    keys = generateVapidKeys()
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(file, JSON.stringify(keys) + '\n', { mode: 0o600 })
    return keys
  }
  if (typeof keys?.publicKey !== 'string' || typeof keys.privateKey !== 'string' || vapidKeyProblem(keys)) {
    fail('WEB_PUSH_PUBLIC_KEY', `is unset and DATA_DIR/dev-vapid-keys.json is not a VAPID key pair; delete it to generate new development keys`)
  }
  return keys
}

/**
 * VAPID keys must be the same on every replica and across restarts (each subscription is
 * bound to the public key), so production never generates them: without them push is off
 * and the rest of the service runs, as with SMS_URL unset.
 */
function webPushConfig(env: Env, production: boolean, dataDir: string, mailFrom: string): WebPushConfig | undefined {
  const publicKey = text(env, 'WEB_PUSH_PUBLIC_KEY')
  const privateKey = text(env, 'WEB_PUSH_PRIVATE_KEY')
  if (publicKey && !privateKey) fail('WEB_PUSH_PRIVATE_KEY', 'must be set together with WEB_PUSH_PUBLIC_KEY')
  if (privateKey && !publicKey) fail('WEB_PUSH_PUBLIC_KEY', 'must be set together with WEB_PUSH_PRIVATE_KEY')
  const subject = text(env, 'WEB_PUSH_SUBJECT')
  if (subject !== undefined && !/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(subject)) fail('WEB_PUSH_SUBJECT', `must be a mailto: address or an https: URL (got "${subject}")`)
  let keys: VapidKeys
  if (publicKey && privateKey) {
    keys = { publicKey, privateKey }
    const problem = vapidKeyProblem(keys)
    if (problem) fail(problem.which === 'public' ? 'WEB_PUSH_PUBLIC_KEY' : 'WEB_PUSH_PRIVATE_KEY', problem.problem)
  } else if (production) {
    return undefined
  } else {
    keys = developmentVapidKeys(dataDir)
  }
  // Push services contact this address about misbehaving senders: production names it.
  if (production && !subject) fail('WEB_PUSH_SUBJECT', 'must be set with the VAPID keys when NODE_ENV=production (mailto:ops@example.com or an https: URL)')
  const fromAddress = /<([^<>]+)>/.exec(mailFrom)?.[1] ?? mailFrom
  return Object.freeze({ ...keys, subject: subject ?? `mailto:${fromAddress}` })
}

function smsConfig(env: Env): SmsConfig {
  const from = text(env, 'SMS_FROM') ?? 'BookIT'
  // SMPP source addresses: an alphanumeric name fits 11 characters, a number up to 15 digits.
  if (!/^(?:\+?\d{1,15}|[A-Za-z0-9 ]{1,11})$/.test(from)) fail('SMS_FROM', `must be a number (up to 15 digits) or up to 11 letters and digits (got "${from}")`)
  return Object.freeze({ url: url(env, 'SMS_URL', ['smpp:', 'ssmpp:']), from, window: integer(env, 'SMS_WINDOW', 10, 1, 100) })
}

function allowList(env: Env, name: string): string[] {
  const raw = text(env, name)
  const allowedHosts = raw === undefined ? [] : raw.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
  for (const entry of allowedHosts) {
    const isRange = entry.includes('/') && (() => { try { ipaddr.parseCIDR(entry); return true } catch { return false } })()
    if (!isRange && !ipaddr.isValid(entry) && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      fail(name, `must list host names, addresses or CIDR ranges separated by commas (got "${entry}")`)
    }
  }
  return allowedHosts
}

function webhookConfig(env: Env, production: boolean): WebhookConfig {
  return Object.freeze({ blockPrivateAddresses: production, allowedHosts: allowList(env, 'WEBHOOK_ALLOWED_HOSTS') })
}

/** `24h,1h`: durations before a booking's start, each once; at most 10; `none` for no reminders. */
function reminderOffsets(env: Env): number[] {
  const raw = text(env, 'REMINDER_OFFSETS') ?? '24h,1h'
  // "none" turns reminders off.
  if (raw === 'none') return []
  const offsets = raw.split(',').map((part) => {
    const match = /^(\d+)\s*(s|m|h|d)$/.exec(part.trim())
    if (!match) fail('REMINDER_OFFSETS', `must be comma-separated durations such as 24h,1h or 2m (got "${raw}")`)
    const value = Number(match[1]) * DURATION_UNITS[match[2]!]!
    if (value < 1_000 || value > 90 * 86_400_000) fail('REMINDER_OFFSETS', `must hold durations between 1s and 90d (got "${part.trim()}")`)
    return value
  })
  if (new Set(offsets).size !== offsets.length) fail('REMINDER_OFFSETS', `names the same offset twice (got "${raw}")`)
  if (offsets.length > 10) fail('REMINDER_OFFSETS', `may name at most 10 offsets (got ${offsets.length})`)
  return offsets.sort((a, b) => b - a)
}

export function loadConfig(env: Env = process.env): Config {
  // Every problem is collected and reported together, one line each: a deployment is fixed
  // in one round instead of one restart per missing setting.
  const problems: string[] = []
  const warnings: string[] = []
  function check<T>(read: () => T, fallback: T): T {
    try {
      return read()
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      problems.push(err.message)
      return fallback
    }
  }

  const nodeEnv = check(() => {
    const value = text(env, 'NODE_ENV') ?? 'development'
    if (!['production', 'development', 'test'].includes(value)) fail('NODE_ENV', `must be production, development or test (got "${value}")`)
    return value
  }, 'development')
  const production = nodeEnv === 'production'

  const port = check(() => integer(env, 'PORT', 3000, 0, 65535), 3000)
  const host = text(env, 'HOST') ?? '0.0.0.0'
  const dataDir = resolve(text(env, 'DATA_DIR') ?? './data')

  const databaseUrl = check(() => url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']), undefined)
  const amqpUrl = check(() => url(env, 'AMQP_URL', ['amqp:', 'amqps:']), undefined)
  const smtpUrl = check(() => url(env, 'SMTP_URL', ['smtp:', 'smtps:']), undefined)
  if (production && !text(env, 'DATABASE_URL')) check(() => fail('DATABASE_URL', 'must be set when NODE_ENV=production (the embedded database is for development)'), undefined)
  if (production && !text(env, 'SMTP_URL')) check(() => fail('SMTP_URL', 'must be set when NODE_ENV=production (captured .eml files are for development)'), undefined)

  const mailFrom = check(() => {
    const raw = env.MAIL_FROM
    // A line break would let the value add mail headers of its own.
    if (raw !== undefined && /[\u0000-\u001f\u007f]/.test(raw.trim())) fail('MAIL_FROM', 'must be one line, without line breaks or control characters')
    const value = text(env, 'MAIL_FROM') ?? 'BookIT <no-reply@bookit.local>'
    if (!/^(?:[^<>]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/.test(value)) {
      fail('MAIL_FROM', `must be an address such as "BookIT <no-reply@example.com>" (got "${value}")`)
    }
    return value
  }, 'BookIT <no-reply@bookit.local>')

  const problemsBeforeJwt = problems.length
  const jwt = check(() => jwtConfig(env, production, dataDir), { algorithm: 'HS256', secret: '' } as JwtConfig)
  // Without a usable JWT key the unsubscribe key cannot be derived: that is the same problem, reported once.
  const jwtUsable = problems.length === problemsBeforeJwt
  if (jwt.algorithm === 'HS256' && text(env, 'JWT_SECRET') && isWeakSecret(jwt.secret)) {
    const weak = 'is guessable (few distinct characters or a short piece repeated); use a random value, e.g. `openssl rand -base64 48`'
    if (production) check(() => fail('JWT_SECRET', weak), undefined)
    else warnings.push(`JWT_SECRET ${weak}`)
  }
  const unsubscribeSecret = check(() => {
    const value = text(env, 'UNSUBSCRIBE_SECRET') ?? (jwt.algorithm === 'HS256' && jwt.secret ? `unsubscribe:${jwt.secret}` : undefined)
    if (!value && !jwtUsable) return ''
    if (!value) return fail('UNSUBSCRIBE_SECRET', 'must be set when tokens are verified with JWT_PUBLIC_KEY')
    if (value.length < 32) fail('UNSUBSCRIBE_SECRET', 'must be at least 32 characters')
    if (text(env, 'UNSUBSCRIBE_SECRET') && isWeakSecret(value)) {
      const weak = 'is guessable (few distinct characters or a short piece repeated); use a random value'
      if (production) fail('UNSUBSCRIBE_SECRET', weak)
      warnings.push(`UNSUBSCRIBE_SECRET ${weak}`)
    }
    return value
  }, '')

  const logLevel = check(() => {
    const value = text(env, 'LOG_LEVEL') ?? 'info'
    if (!LOG_LEVELS.includes(value)) fail('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${value}")`)
    return value
  }, 'info')

  const publicUrl = check(() => {
    const value = (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '')
    // Unsubscribe links carry a signed token in their query: over plain http anyone on the
    // path can read and use it. A loopback URL reaches no real recipient, so it is allowed
    // for trying production mode on one machine.
    const { protocol, hostname } = new URL(value)
    if (production && protocol === 'http:' && !isLoopbackHost(hostname)) fail('PUBLIC_URL', `must use https:// when NODE_ENV=production (got ${value})`)
    if (production && !text(env, 'PUBLIC_URL')) warnings.push(`PUBLIC_URL is not set: unsubscribe links point at ${value}, which recipients cannot reach`)
    return value
  }, '')
  const appUrl = check(() => (url(env, 'APP_URL', ['http:', 'https:']) ?? 'http://localhost:5173').replace(/\/+$/, ''), '')

  const amqpQueueType = check(() => {
    const value = text(env, 'AMQP_QUEUE_TYPE') ?? 'quorum'
    if (value !== 'quorum' && value !== 'classic') fail('AMQP_QUEUE_TYPE', `must be quorum or classic (got "${value}")`)
    return value
  }, 'quorum')

  const dispatch = check(() => {
    const value = text(env, 'EMAIL_DISPATCH') ?? 'on'
    if (value !== 'on' && value !== 'off') fail('EMAIL_DISPATCH', `must be on or off (got "${value}")`)
    return value
  }, 'on')
  const email: EmailDeliveryConfig = {
    dispatch: dispatch === 'on',
    // With the defaults the window (24 h), not the count, ends the retries; the count is a cap.
    maxAttempts: check(() => integer(env, 'EMAIL_MAX_ATTEMPTS', 100, 1, 1_000), 100),
    retryBaseMs: check(() => integer(env, 'EMAIL_RETRY_BASE_MS', 5_000, 1, 3_600_000), 5_000),
    retryMaxMs: check(() => integer(env, 'EMAIL_RETRY_MAX_MS', 3_600_000, 1, 86_400_000), 3_600_000),
    giveUpAfterMs: check(() => duration(env, 'EMAIL_GIVE_UP_AFTER', 86_400_000, 60_000, 30 * 86_400_000), 86_400_000),
    leaseMs: check(() => integer(env, 'EMAIL_LEASE_MS', 120_000, 1_000, 3_600_000), 120_000),
    livenessTimeoutMs: check(() => integer(env, 'LIVENESS_TIMEOUT_MS', 10_000, 1_000, 600_000), 10_000),
    batchSize: check(() => integer(env, 'EMAIL_BATCH_SIZE', 100, 1, 1_000), 100),
    pollMs: check(() => integer(env, 'EMAIL_POLL_MS', 1_000, 10, 60_000), 1_000),
    concurrency: check(() => integer(env, 'EMAIL_CONCURRENCY', 5, 1, 50), 5),
  }

  const corsOrigins = check(() => {
    const origins = (text(env, 'CORS_ORIGINS')?.split(',') ?? (production ? [] : [appUrl])).map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean)
    for (const origin of origins) {
      if (!/^https?:\/\/[^/\s]+$/.test(origin)) fail('CORS_ORIGINS', `must be comma-separated origins such as https://app.example.com (got "${origin}")`)
    }
    return origins
  }, [] as string[])

  const config: Config = {
    env: nodeEnv as Config['env'],
    port,
    host,
    listenBacklog: check(() => integer(env, 'HTTP_LISTEN_BACKLOG', 4096, 1, 65_535), 4096),
    databaseUrl,
    dataDir,
    amqpUrl,
    amqpExchange: check(() => name(env, 'AMQP_EXCHANGE', 'bookit.events'), ''),
    amqpQueue: check(() => name(env, 'AMQP_QUEUE', 'notifications'), ''),
    amqpPrefetch: check(() => integer(env, 'AMQP_PREFETCH', 500, 1, 10_000), 500),
    amqpQueueType,
    amqpDeliveryLimit: check(() => integer(env, 'AMQP_DELIVERY_LIMIT', 10, 1, 1_000), 10),
    amqpStallAfterMs: check(() => integer(env, 'AMQP_STALL_AFTER_MS', 60_000, 100, 3_600_000), 60_000),
    smtpUrl,
    mailFrom,
    jwt,
    jwtIssuer: text(env, 'JWT_ISSUER'),
    jwtAudience: text(env, 'JWT_AUDIENCE'),
    unsubscribeSecret,
    publicUrl,
    appUrl,
    retentionDays: check(() => integer(env, 'RETENTION_DAYS', 90, 1, 36_500), 90),
    retentionIntervalMinutes: check(() => integer(env, 'RETENTION_INTERVAL_MINUTES', 60, 1, 10_080), 60),
    retentionBatchSize: check(() => integer(env, 'RETENTION_BATCH_SIZE', 5_000, 1, 100_000), 5_000),
    announcementBatchSize: check(() => integer(env, 'ANNOUNCEMENT_BATCH_SIZE', 500, 1, 10_000), 500),
    announcementPollMs: check(() => integer(env, 'ANNOUNCEMENT_POLL_MS', 1_000, 10, 3_600_000), 1_000),
    logLevel,
    trustProxy: check(() => trustProxy(env), undefined),
    email: Object.freeze(email),
    corsOrigins,
    sseMaxStreamsPerUser: check(() => integer(env, 'SSE_MAX_STREAMS_PER_USER', 10, 1, 1_000), 10),
    sseMaxStreams: check(() => integer(env, 'SSE_MAX_STREAMS', 10_000, 1, 1_000_000), 10_000),
    // The fallbacks never escape: any problem recorded here ends in the ConfigError below.
    sms: check(() => smsConfig(env), undefined as unknown as SmsConfig),
    webhooks: check(() => webhookConfig(env, production), undefined as unknown as WebhookConfig),
    pushEndpoints: check(() => Object.freeze({ blockPrivateAddresses: true, allowedHosts: allowList(env, 'PUSH_ALLOWED_HOSTS') }), undefined as unknown as WebhookConfig),
    webPush: check(() => webPushConfig(env, production, dataDir, mailFrom), undefined),
    digestDailyAt: check(() => clockTime(env, 'DIGEST_DAILY_AT', '08:00'), '08:00'),
    reminderOffsetsMs: Object.freeze(check(() => reminderOffsets(env), [] as number[])),
    schedulerPollMs: check(() => integer(env, 'SCHEDULER_POLL_MS', 250, 10, 60_000), 250),
    statsFoldMs: check(() => integer(env, 'STATS_FOLD_MS', 5_000, 10, 3_600_000), 5_000),
    warnings: Object.freeze(warnings),
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'))
  return Object.freeze(config)
}
