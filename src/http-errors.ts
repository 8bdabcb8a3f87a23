import { STATUS_CODES } from 'node:http'

/** An error the error handler answers with its status code and message, in Fastify's shape. */
export class HttpError extends Error {
  readonly error: string
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message)
    this.error = STATUS_CODES[statusCode] ?? 'Error'
  }
}

export const badRequest = (message: string): never => {
  throw new HttpError(400, message)
}

export const notFound = (what: string): never => {
  throw new HttpError(404, `${what} not found`)
}
