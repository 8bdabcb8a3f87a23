import type { InboxApi, ListFilter, Notification } from './api.js'
import type { FeedEvent } from './live-feed.js'

export function matchesFilter(n: Notification, f: ListFilter): boolean {
  if (f.status === 'unread' && n.readAt) return false
  if (f.status === 'read' && !n.readAt) return false
  if (f.type && n.type !== f.type) return false
  if (f.category && n.category && n.category !== f.category) return false
  const archived = Boolean(n.archivedAt)
  if ((f.archived ?? 'false') === 'false' && archived) return false
  if (f.archived === 'true' && !archived) return false
  return true
}

const newestFirst = (a: Notification, b: Notification) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)

/**
 * The items one view shows: a filtered, newest-first window of the user's notifications,
 * loaded page by page on the server's cursor and kept in step with the live feed.
 */
export class NotificationList {
  items: Notification[] = []
  nextCursor: string | null = null
  loading = false
  failed = false
  private generation = 0

  constructor(
    private readonly api: InboxApi,
    public filter: ListFilter,
    private readonly pageSize: number,
    private readonly changed: () => void,
    /** The bell keeps only its first page; the full list grows as it scrolls. */
    private readonly keepOnePage = false,
  ) {}

  /** `keepDepth`: refetch as many as are shown (up to the API's 100), so a late reset does not fold a scrolled list back to one page. */
  async reload(keepDepth = false): Promise<void> {
    const generation = ++this.generation
    await this.fetch(generation, null, keepDepth ? Math.min(100, Math.max(this.pageSize, this.items.length)) : this.pageSize)
  }

  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loading) return
    await this.fetch(this.generation, this.nextCursor, this.pageSize)
  }

  private async fetch(generation: number, cursor: string | null, limit: number): Promise<void> {
    this.loading = true
    this.changed()
    try {
      const page = await this.api.list({ ...this.filter, limit, cursor })
      // A reload started meanwhile (a new filter, a reset) wins over this older answer.
      if (generation !== this.generation) return
      const known = new Set(cursor ? this.items.map((n) => n.id) : [])
      this.items = [...(cursor ? this.items : []), ...page.items.filter((n) => !known.has(n.id))]
      this.nextCursor = page.nextCursor
      this.failed = false
    } catch {
      if (generation === this.generation) this.failed = true
    } finally {
      if (generation === this.generation) this.loading = false
      this.changed()
    }
  }

  /**
   * Applies one feed event; true when it added a notification the list did not show. A
   * replay after a reconnect may repeat events already applied: each is applied by id, so
   * a repeat changes nothing.
   */
  apply(event: FeedEvent): boolean {
    switch (event.type) {
      case 'notification': {
        const n = event.notification
        if (this.items.some((i) => i.id === n.id) || !matchesFilter(n, this.filter)) return false
        this.items = [...this.items, n].sort(newestFirst)
        if (this.keepOnePage && this.items.length > this.pageSize) this.items = this.items.slice(0, this.pageSize)
        this.changed()
        return this.items.includes(n)
      }
      case 'notification-updated': {
        const { type: _type, ...fields } = event
        this.items = this.items.map((i) => (i.id === event.id ? { ...i, ...fields } : i)).filter((i) => i.id !== event.id || matchesFilter(i, this.filter))
        // The bell shows ten: one archived away leaves room for the next.
        if (this.keepOnePage && this.items.length < this.pageSize && this.nextCursor) void this.reload()
        break
      }
      case 'notification-deleted':
        this.items = event.all ? [] : this.items.filter((i) => i.id !== event.id)
        if (this.keepOnePage && this.nextCursor) void this.reload()
        break
      case 'reset':
        void this.reload(!this.keepOnePage)
        return false
      default:
        return false
    }
    this.changed()
    return false
  }
}
