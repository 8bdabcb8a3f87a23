import createClient from 'openapi-fetch'
import type { components, paths } from './generated/api.js'

/**
 * Returns a valid bearer token. Called before every request and stream connection; called
 * again with `{ expired: true }` when the server refused the last one, so the host app can
 * refresh it then and nothing is lost.
 */
export type GetToken = (hint?: { expired: boolean }) => Promise<string> | string

/**
 * Fields the contract adds for issue 12; optional here until openapi.yaml describes them,
 * after which the generated type carries them and this shrinks to nothing.
 */
interface UpcomingFields {
  category?: 'booking' | 'account' | 'announcement'
  url?: string | null
  seenAt?: string | null
  archivedAt?: string | null
}

export type Notification = components['schemas']['Notification'] & UpcomingFields
type ListQuery = NonNullable<paths['/v1/notifications']['get']['parameters']['query']>
export type NotificationType = NonNullable<ListQuery['type']>
export type ReadStatus = NonNullable<ListQuery['status']>

export interface ListFilter {
  status?: ReadStatus
  type?: NotificationType
  category?: UpcomingFields['category']
  archived?: 'false' | 'true' | 'all'
}

export interface Page {
  items: Notification[]
  nextCursor: string | null
  unreadCount: number
  unseenCount?: number
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

  // Calls the contract adds for issue 12 that openapi.yaml does not describe yet. A server
  // without them answers 404, which callers treat as "not supported here".
  const upcoming = async <T>(method: string, path: string, body?: unknown): Promise<T | undefined> => {
    const request = new Request(`${baseUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const response = await send(request)
    if (response.status === 404 && response.headers.get('content-type')?.includes('json')) {
      const message = ((await response.clone().json()) as { message?: string }).message ?? ''
      // "Route POST:/... not found" means the server has no such call yet.
      if (message.startsWith('Route ')) return undefined
    }
    if (!response.ok) throw new ApiError(response.status, response.statusText)
    return response.status === 204 ? (undefined as T) : ((await response.json()) as T)
  }

  return {
    list: ({ cursor, limit = 20, archived, ...filter }: ListFilter & { cursor?: string | null; limit?: number } = {}): Promise<Page> => {
      const query: Record<string, unknown> = { limit, cursor: cursor ?? undefined, ...filter }
      // archived=false is the server's default, so only the other values are sent.
      if (archived && archived !== 'false') query.archived = archived
      for (const key of Object.keys(query)) if (query[key] === undefined || query[key] === '') delete query[key]
      // category and archived are in the contract ahead of openapi.yaml.
      return unwrap(client.GET('/v1/notifications', { params: { query: query as ListQuery } }))
    },
    markRead: (id: string, read = true) =>
      read
        ? unwrap(client.POST('/v1/notifications/{id}/read', { params: { path: { id } } }))
        : unwrap(client.POST('/v1/notifications/{id}/unread', { params: { path: { id } } })),
    markManyRead: (ids: string[]) => unwrap(client.POST('/v1/notifications/read', { body: { ids } })),
    markAllRead: () => unwrap(client.POST('/v1/notifications/read-all')),
    remove: async (id: string) => {
      await unwrap(client.DELETE('/v1/notifications/{id}', { params: { path: { id } } }))
    },
    archive: (id: string, archived = true) => upcoming<Notification>('POST', `/v1/notifications/${encodeURIComponent(id)}/${archived ? 'archive' : 'unarchive'}`),
    markAllSeen: () => upcoming<{ updated: number }>('POST', '/v1/notifications/seen-all'),
    streamTicket: () => upcoming<{ ticket: string; expiresAt: string }>('POST', '/v1/notifications/stream-tickets'),
  }
}
