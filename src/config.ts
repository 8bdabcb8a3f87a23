import { createPublicKey, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ipaddr from 'ipaddr.js'

/** Thrown for any configuration the service cannot start with; the message names the variable. */
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
  logLevel: string
  email: EmailDeliveryConfig
  /** Origins browsers may call the API from (CORS); empty: none. */
  corsOrigins: string[]
  /** Open SSE streams: per user (the oldest is closed past it) and per instance (503 past it). */
  sseMaxStreamsPerUser: number
  sseMaxStreams: number
  sms: SmsConfig
  webhooks: WebhookConfig
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

function smsConfig(env: Env): SmsConfig {
  const from = text(env, 'SMS_FROM') ?? 'BookIT'
  // SMPP source addresses: an alphanumeric name fits 11 characters, a number up to 15 digits.
  if (!/^(?:\+?\d{1,15}|[A-Za-z0-9 ]{1,11})$/.test(from)) fail('SMS_FROM', `must be a number (up to 15 digits) or up to 11 letters and digits (got "${from}")`)
  return Object.freeze({ url: url(env, 'SMS_URL', ['smpp:', 'ssmpp:']), from, window: integer(env, 'SMS_WINDOW', 10, 1, 100) })
}

function webhookConfig(env: Env, production: boolean): WebhookConfig {
  const raw = text(env, 'WEBHOOK_ALLOWED_HOSTS')
  const allowedHosts = raw === undefined ? [] : raw.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
  for (const entry of allowedHosts) {
    const isRange = entry.includes('/') && (() => { try { ipaddr.parseCIDR(entry); return true } catch { return false } })()
    if (!isRange && !ipaddr.isValid(entry) && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      fail('WEBHOOK_ALLOWED_HOSTS', `must list host names, addresses or CIDR ranges separated by commas (got "${entry}")`)
    }
  }
  return Object.freeze({ blockPrivateAddresses: production, allowedHosts })
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = text(env, 'NODE_ENV') ?? 'development'
  if (!['production', 'development', 'test'].includes(nodeEnv)) fail('NODE_ENV', `must be production, development or test (got "${nodeEnv}")`)
  const production = nodeEnv === 'production'

  const port = integer(env, 'PORT', 3000, 0, 65535)
  const host = text(env, 'HOST') ?? '0.0.0.0'
  const dataDir = resolve(text(env, 'DATA_DIR') ?? './data')

  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'])
  const amqpUrl = url(env, 'AMQP_URL', ['amqp:', 'amqps:'])
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:'])
  if (production && !databaseUrl) fail('DATABASE_URL', 'must be set when NODE_ENV=production (the embedded database is for development)')
  if (production && !smtpUrl) fail('SMTP_URL', 'must be set when NODE_ENV=production (captured .eml files are for development)')

  const mailFrom = text(env, 'MAIL_FROM') ?? 'BookIT <no-reply@bookit.local>'
  if (!/^(?:[^<>]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/.test(mailFrom)) {
    fail('MAIL_FROM', `must be an address such as "BookIT <no-reply@example.com>" (got "${mailFrom}")`)
  }

  const jwt = jwtConfig(env, production, dataDir)
  const unsubscribeSecret = text(env, 'UNSUBSCRIBE_SECRET') ?? (jwt.algorithm === 'HS256' ? `unsubscribe:${jwt.secret}` : undefined)
  if (!unsubscribeSecret) fail('UNSUBSCRIBE_SECRET', 'must be set when tokens are verified with JWT_PUBLIC_KEY')
  if (unsubscribeSecret.length < 32) fail('UNSUBSCRIBE_SECRET', 'must be at least 32 characters')

  const logLevel = text(env, 'LOG_LEVEL') ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) fail('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`)

  const publicUrl = (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '')
  const appUrl = (url(env, 'APP_URL', ['http:', 'https:']) ?? 'http://localhost:5173').replace(/\/+$/, '')

  const amqpQueueType = text(env, 'AMQP_QUEUE_TYPE') ?? 'quorum'
  if (amqpQueueType !== 'quorum' && amqpQueueType !== 'classic') fail('AMQP_QUEUE_TYPE', `must be quorum or classic (got "${amqpQueueType}")`)

  const dispatch = text(env, 'EMAIL_DISPATCH') ?? 'on'
  if (dispatch !== 'on' && dispatch !== 'off') fail('EMAIL_DISPATCH', `must be on or off (got "${dispatch}")`)
  const email: EmailDeliveryConfig = {
    dispatch: dispatch === 'on',
    // With the defaults the window (24 h), not the count, ends the retries; the count is a cap.
    maxAttempts: integer(env, 'EMAIL_MAX_ATTEMPTS', 100, 1, 1_000),
    retryBaseMs: integer(env, 'EMAIL_RETRY_BASE_MS', 5_000, 1, 3_600_000),
    retryMaxMs: integer(env, 'EMAIL_RETRY_MAX_MS', 3_600_000, 1, 86_400_000),
    giveUpAfterMs: duration(env, 'EMAIL_GIVE_UP_AFTER', 86_400_000, 60_000, 30 * 86_400_000),
    leaseMs: integer(env, 'EMAIL_LEASE_MS', 120_000, 1_000, 3_600_000),
    livenessTimeoutMs: integer(env, 'LIVENESS_TIMEOUT_MS', 10_000, 1_000, 600_000),
    batchSize: integer(env, 'EMAIL_BATCH_SIZE', 100, 1, 1_000),
    pollMs: integer(env, 'EMAIL_POLL_MS', 1_000, 10, 60_000),
    concurrency: integer(env, 'EMAIL_CONCURRENCY', 5, 1, 50),
  }

  const corsOrigins = (text(env, 'CORS_ORIGINS')?.split(',') ?? (production ? [] : [appUrl])).map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean)
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) fail('CORS_ORIGINS', `must be comma-separated origins such as https://app.example.com (got "${origin}")`)
  }

  return Object.freeze({
    env: nodeEnv as Config['env'],
    port,
    host,
    databaseUrl,
    dataDir,
    amqpUrl,
    amqpExchange: name(env, 'AMQP_EXCHANGE', 'bookit.events'),
    amqpQueue: name(env, 'AMQP_QUEUE', 'notifications'),
    amqpPrefetch: integer(env, 'AMQP_PREFETCH', 500, 1, 10_000),
    amqpQueueType,
    amqpDeliveryLimit: integer(env, 'AMQP_DELIVERY_LIMIT', 10, 1, 1_000),
    amqpStallAfterMs: integer(env, 'AMQP_STALL_AFTER_MS', 60_000, 100, 3_600_000),
    smtpUrl,
    mailFrom,
    jwt,
    jwtIssuer: text(env, 'JWT_ISSUER'),
    jwtAudience: text(env, 'JWT_AUDIENCE'),
    unsubscribeSecret,
    publicUrl,
    appUrl,
    retentionDays: integer(env, 'RETENTION_DAYS', 90, 1, 36_500),
    retentionIntervalMinutes: integer(env, 'RETENTION_INTERVAL_MINUTES', 60, 1, 10_080),
    retentionBatchSize: integer(env, 'RETENTION_BATCH_SIZE', 5_000, 1, 100_000),
    logLevel,
    email: Object.freeze(email),
    corsOrigins,
    sseMaxStreamsPerUser: integer(env, 'SSE_MAX_STREAMS_PER_USER', 10, 1, 1_000),
    sseMaxStreams: integer(env, 'SSE_MAX_STREAMS', 10_000, 1, 1_000_000),
    sms: smsConfig(env),
    webhooks: webhookConfig(env, production),
  })
}
