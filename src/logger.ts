import type { LoggerOptions } from 'pino'

/** Query parameters that carry credentials; their values never reach a log line. */
const SECRET_QUERY_PARAMS = ['access_token', 'token', 'ticket']

export function redactUrl(url: string): string {
  return url.replace(new RegExp(`([?&](?:${SECRET_QUERY_PARAMS.join('|')})=)[^&#]*`, 'g'), '$1[REDACTED]')
}

/**
 * pino writes JSON lines to stdout at `info` whether or not a terminal is attached.
 * Secrets are removed by path, whatever object they ride on.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'temporaryPassword',
        '*.temporaryPassword',
        '*.*.temporaryPassword',
        'payload.temporaryPassword',
        'data.temporaryPassword',
        'event.data.temporaryPassword',
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      req(request: { method: string; url: string; routeOptions?: { url?: string }; ip?: string; id?: string }) {
        return { method: request.method, url: redactUrl(request.url), route: request.routeOptions?.url, remoteAddress: request.ip }
      },
    },
  }
}
