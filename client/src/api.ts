import createClient from 'openapi-fetch'
import type { components, paths } from './generated/api.js'

/**
 * Returns a valid bearer token. Called before every request and stream connection; called
 * again with `{ expired: true }` when the server refused the last one, so the host app can
 * refresh it then and nothing is lost.
 */
export type GetToken = (hint?: { expired: boolean }) => Promise<string> | string

export type Notification = components['schemas']['Notification']
type ListQuery = NonNullable<paths['/v1/notifications']['get']['parameters']['query']>
export type NotificationType = NonNullable<ListQuery['type']>
export type ReadStatus = ListQuery['status']
export type Category = NonNullable<ListQuery['category']>
export type Page = paths['/v1/notifications']['get']['responses'][200]['content']['application/json']

export interface ListFilter {
  status?: ReadStatus
  type?: NotificationType
  category?: Category
  archived?: ListQuery['archived']
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** Sends the caller's token with every request; on a 401 asks for a fresh one and tries once more. */
export function authorizedFetch(getToken: GetToken): (request: Request) => Promise<Response> {
  return async (request) => {
    const retry = request.clone()
    const send = async (r: Request, expired: boolean) => {
      r.headers.set('authorization', `Bearer ${await getToken(expired ? { expired } : undefined)}`)
      return fetch(r)
    }
    const response = await send(request, false)
    return response.status === 401 ? send(retry, true) : response
  }
}

export type InboxApi = ReturnType<typeof createInboxApi>

export function createInboxApi(baseUrl: string, getToken: GetToken) {
  const send = authorizedFetch(getToken)
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ''), fetch: send })

  const unwrap = async <T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => {
    const { data, error, response } = await call
    if (!response.ok) throw new ApiError(response.status, (error as { message?: string } | undefined)?.message ?? response.statusText)
    return data as T
  }

  return {
    list: ({ cursor, limit = 20, status = 'all', archived = 'false', type, category }: ListFilter & { cursor?: string | null; limit?: number } = {}): Promise<Page> =>
      unwrap(
        client.GET('/v1/notifications', {
          params: { query: { limit, status, archived, ...(cursor ? { cursor } : {}), ...(type ? { type } : {}), ...(category ? { category } : {}) } },
        }),
      ),
    markRead: (id: string, read = true) =>
      read
        ? unwrap(client.POST('/v1/notifications/{id}/read', { params: { path: { id } } }))
        : unwrap(client.POST('/v1/notifications/{id}/unread', { params: { path: { id } } })),
    markManyRead: (ids: string[]) => unwrap(client.POST('/v1/notifications/read', { body: { ids } })),
    markAllRead: () => unwrap(client.POST('/v1/notifications/read-all')),
    remove: async (id: string) => {
      await unwrap(client.DELETE('/v1/notifications/{id}', { params: { path: { id } } }))
    },
    archive: (id: string, archived = true) =>
      archived
        ? unwrap(client.POST('/v1/notifications/{id}/archive', { params: { path: { id } } }))
        : unwrap(client.POST('/v1/notifications/{id}/unarchive', { params: { path: { id } } })),
    markAllSeen: () => unwrap(client.POST('/v1/notifications/seen-all')),
    streamTicket: () => unwrap(client.POST('/v1/notifications/stream-tickets')),
  }
}
