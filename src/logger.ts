import { type LoggerOptions, stdSerializers } from 'pino'
import { SECRET_DATA_KEYS } from './domain/events.js'

/** Query parameters that carry credentials; their values never reach a log line. */
const SECRET_QUERY_PARAMS = ['access_token', 'token', 'ticket']

/**
 * Fields of a PostgreSQL error (and of query wrappers) that quote the data: `where` and
 * `detail` cite the row or JSON around a bad value, `parameters`/`query` the statement's
 * values. A credential in an event would ride along, so they never reach a log line.
 */
const DATA_QUOTING_ERROR_FIELDS = ['where', 'detail', 'parameters', 'query', 'internalQuery']

export function redactUrl(url: string): string {
  return url.replace(new RegExp(`([?&](?:${SECRET_QUERY_PARAMS.join('|')})=)[^&#]*`, 'g'), '$1[REDACTED]')
}

function withoutDataFields(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > 5) return value
  if (Array.isArray(value)) return value.map((v) => withoutDataFields(v, depth + 1))
  const copy: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (!DATA_QUOTING_ERROR_FIELDS.includes(key)) copy[key] = withoutDataFields(v, depth + 1)
  }
  return copy
}

/** pino's error serializer, minus the fields that quote data (also on a `cause` or in `errors`). */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return withoutDataFields(err)
  const serialized = withoutDataFields(stdSerializers.err(err)) as Record<string, unknown>
  if (err.cause !== undefined && serialized.cause === undefined) serialized.cause = serializeError(err.cause)
  return serialized
}

/**
 * pino writes JSON lines to stdout at `info` whether or not a terminal is attached.
 * Secrets are removed by path, whatever object they ride on.
 */
export function loggerOptions(level: string): LoggerOptions {
  const secretPaths = SECRET_DATA_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `payload.${key}`, `data.${key}`, `event.data.${key}`])
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', ...new Set(secretPaths)],
      censor: '[REDACTED]',
    },
    serializers: {
      err: serializeError,
      error: serializeError,
      req(request: { method: string; url: string; routeOptions?: { url?: string }; ip?: string; id?: string }) {
        return { method: request.method, url: redactUrl(request.url), route: request.routeOptions?.url, remoteAddress: request.ip }
      },
    },
  }
}
