import { parseArgs } from 'node:util'
import { createSigner } from 'fast-jwt'
import { ConfigError, loadConfig } from '../config.js'

// Prints a development token signed with the configured secret, for curl and the browser.
const usage = 'usage: npm run token -- --sub <user id> [--role events:publish] [--role notifications:admin] [--source /booking-service ...] [--ttl 3600]'

try {
  const { values } = parseArgs({
    options: { sub: { type: 'string' }, role: { type: 'string', multiple: true }, source: { type: 'string', multiple: true }, ttl: { type: 'string', default: '86400' } },
  })
  if (!values.sub) throw new ConfigError(usage)
  const ttl = Number(values.ttl)
  if (!Number.isInteger(ttl) || ttl <= 0) throw new ConfigError(`--ttl must be a whole number of seconds\n${usage}`)
  const config = loadConfig(process.env)
  if (config.jwt.algorithm !== 'HS256') throw new ConfigError('npm run token needs JWT_SECRET (or no key, in development): with JWT_PUBLIC_KEY, tokens come from your identity provider')
  const sign = createSigner({
    key: config.jwt.secret,
    algorithm: 'HS256',
    expiresIn: ttl * 1000,
    ...(config.jwtIssuer ? { iss: config.jwtIssuer } : {}),
    ...(config.jwtAudience ? { aud: config.jwtAudience } : {}),
  })
  // --source names the event sources a publisher may use (without it: /<sub>).
  process.stdout.write(sign({ sub: values.sub, ...(values.role ? { roles: values.role } : {}), ...(values.source ? { sources: values.source } : {}) }) + '\n')
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(1)
}
