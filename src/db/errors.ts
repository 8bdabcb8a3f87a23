/**
 * Whether a database error says something about the data (retrying the same statement
 * fails again) rather than about the database being unreachable or busy.
 * SQLSTATE classes: 22 data exception, 23 integrity violation, 42 syntax/access, 54 limits.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^(22|23|42|54)[0-9A-Z]{3}$/.test(code)
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
