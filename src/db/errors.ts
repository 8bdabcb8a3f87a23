/**
 * Whether a database error says something about the data (retrying the same statement
 * fails again) rather than about the database being unreachable or busy.
 * SQLSTATE classes: 22 data exception, 23 integrity violation, 42 syntax/access, 54 limits.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && /^(22|23|42|54)[0-9A-Z]{3}$/.test(code)
}
