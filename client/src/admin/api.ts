import createClient from 'openapi-fetch'
import type { paths } from '../generated/api.js'

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never

export type Delivery = Json<paths['/v1/admin/deliveries']['get']['responses'][200]>['items'][number]
export type DeliveryFilter = NonNullable<paths['/v1/admin/deliveries']['get']['parameters']['query']>
export type WebhookEndpoint = Json<paths['/v1/admin/webhooks']['get']['responses'][200]>['items'][number]
export type WebhookEvent = WebhookEndpoint['events'][number]

/** A refused call, with the server's message (or one of ours for the statuses an operator meets). */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** What an operator should read for a refused token; the server's own words name no remedy. */
export function explainStatus(status: number, serverMessage: string): string {
  if (status === 401) return 'The token was refused: it is not a valid token for this service, or it has expired. Paste a fresh admin token.'
  if (status === 403) return 'This token is valid but lacks the notifications:admin role.'
  if (status === 429) return 'Too many requests; wait a moment and try again.'
  return serverMessage
}

export type AdminApi = ReturnType<typeof createAdminApi>

/**
 * The typed client every tab uses. The token lives only in the closure the shell passes in
 * (never storage or cookies), so a reload signs the operator out.
 */
export function createAdminApi(baseUrl: string, token: () => string | undefined) {
  const client = createClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    fetch: (request: Request) => {
      const current = token()
      if (current) request.headers.set('authorization', `Bearer ${current}`)
      return fetch(request)
    },
  })

  /** The data of a successful call, or an AdminApiError with a message meant for the operator. */
  const unwrap = async <T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => {
    const { data, error, response } = await call
    if (!response.ok) throw new AdminApiError(response.status, explainStatus(response.status, (error as { message?: string } | undefined)?.message ?? response.statusText))
    return data as T
  }

  return { client, unwrap }
}
