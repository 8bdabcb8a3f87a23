/**
 * Whether a database error says something about the data (retrying the same statement
 * fails again) rather than about the database being unreachable or busy.
 * SQLSTATE classes: 22 data exception, 23 integrity violation, 42 syntax/access, 54 limits.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code
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
