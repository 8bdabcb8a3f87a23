import { type GetToken, type InboxApi, createInboxApi } from './api.js'
import { type FeedEvent, LiveFeed } from './live-feed.js'

/** What the components on one page share for one API: the typed client and the live feed. */
export interface InboxSession {
  api: InboxApi
  feed: LiveFeed
}

const sessions = new Map<string, InboxSession>()

export function inboxSession(baseUrl: string, getToken: GetToken): InboxSession {
  let session = sessions.get(baseUrl)
  if (!session) {
    const api = createInboxApi(baseUrl, getToken)
    session = { api, feed: new LiveFeed(`bookit-inbox:${baseUrl}`, baseUrl, api, getToken) }
    sessions.set(baseUrl, session)
  }
  return session
}

export type { FeedEvent }
