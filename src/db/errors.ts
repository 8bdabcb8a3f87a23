/**
 * Whether a database error says something about the data (retrying the same statement
 * fails again) rather than about the database being unreachable or busy.
 * SQLSTATE classes: 22 data exception, 23 integrity violation, 42 syntax/access, 54 limits.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^(22|23|42|54)[0-9A-Z]{3}$/.test(code)
}

/** SQLSTATE class 22 (data exception): the value itself cannot be stored, so the input is at fault. */
export function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)
}

/** A connection string fit for a message: the password is never shown. */
export function withoutPassword(connectionString: string): string {
  try {
    const url = new URL(connectionString)
    if (url.password) url.password = '***'
    return url.toString()
  } catch {
    return 'an unparsable URL'
  }
}

/**
 * What a newcomer needs when the database cannot be used at start: which setting points
 * where, and what PostgreSQL said about it, in plain words. `databaseUrl` is undefined in
 * embedded mode.
 */
export function describeDatabaseStartError(err: unknown, databaseUrl: string | undefined): string {
  const cause = (err as { cause?: unknown }).cause ?? err
  const code = (cause as { code?: string }).code
  const message = (cause as { message?: string }).message ?? String(cause)
  const where = databaseUrl ? `DATABASE_URL (${withoutPassword(databaseUrl)})` : 'the embedded database'
  let host = ''
  let user = ''
  let name = ''
  try {
    if (databaseUrl) ({ host, username: user, pathname: name } = new URL(databaseUrl))
  } catch {
    // Config already refused an unparsable URL; the generic message below still applies.
  }
  name = decodeURIComponent(name.replace(/^\//, ''))
  switch (code) {
    case '3D000':
      return `Cannot use ${where}: the database "${name}" does not exist on that server. Create it (createdb ${name}) or point DATABASE_URL at an existing one.`
    case '28000':
    case '28P01':
      return `Cannot use ${where}: PostgreSQL refused the login for role "${user}" (${message}). Check the user name and password in DATABASE_URL.`
    case 'ECONNREFUSED':
      return `Cannot use ${where}: nothing accepts connections at ${host || 'that address'}. Is PostgreSQL running there, and is the host and port in DATABASE_URL right?`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot use ${where}: the host "${host}" is not known. Check the host name in DATABASE_URL.`
    default:
      return `Cannot use ${where}: ${err instanceof Error ? err.message : String(err)}`
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * Whether an error means "the database (or the network to it) cannot be used right now":
 * the same work succeeds later, so it is retried. Everything else is the fault of the work
 * itself (an event the database refuses, or code that throws on it) and is never retried
 * as it is. SQLSTATE: 08 connection, 53 insufficient resources, 57P shutdown/crash,
 * 40001/40P01 serialization failure and deadlock (the transaction may simply be rerun).
 */
export function isUnreachable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const { code, message } = err as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && (/^(08|53|57P)/.test(code) || code === '40001' || code === '40P01' || NETWORK_CODES.has(code))) return true
  return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)
}

/** One line saying why an event could not be processed: for `x-error` and a 400. */
export function faultReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return `rejected by the database: ${(err as Error).message}`
  if (err instanceof Error) return `processing failed: ${err.name}: ${err.message}`
  return `processing failed: ${String(err)}`
}
