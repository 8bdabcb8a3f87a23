import type { ListFilter, Notification } from './api.js'
import { fill, h } from './dom.js'
import { InboxView } from './inbox-element.js'
import { NotificationList } from './notification-list.js'
import { BASE_STYLES } from './styles.js'

const PAGE_STYLES = `
:host{display:block;background:var(--_bg);border:1px solid var(--_border);border-radius:var(--_radius)}
h2{font-size:1.15rem;margin:0;padding:.75rem .9rem}
fieldset{display:flex;flex-wrap:wrap;gap:.5rem 1rem;border:0;border-top:1px solid var(--_border);margin:0;padding:.6rem .9rem}
legend{float:left;font-weight:600;margin-right:.5rem;padding:.3rem 0}
label{display:inline-flex;gap:.35rem;align-items:center}
select{background:var(--_bg);border:1px solid var(--_border);border-radius:6px;padding:.25rem .4rem}
.bulk{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;padding:.5rem .9rem;border-top:1px solid var(--_border);border-bottom:1px solid var(--_border)}
.bulk button{border:1px solid var(--_border)}
.bulk button:disabled{opacity:.55;cursor:default}
.item input{margin:.55rem .3rem 0}
.more{display:block;margin:.6rem auto;border:1px solid var(--_border)}
`

/** `<bookit-notification-page>`: every notification, filtered, scrolled page by page, acted on in bulk. */
export class BookitNotificationPage extends InboxView {
  private notifications!: NotificationList
  private readonly selected = new Set<string>()
  private readonly listHost = h('div')
  private readonly sentinel = h('div', { 'aria-hidden': 'true' })
  private observer: IntersectionObserver | undefined

  protected list(): NotificationList {
    return this.notifications
  }

  protected setUp(): void {
    this.notifications = new NotificationList(this.session!.api, { status: 'all', archived: 'false' }, 20, () => {
      this.render()
      // After layout, so the sentinel's position is the new one.
      requestAnimationFrame(this.loadIfEndInView)
    })
    const t = this.t
    const choice = (label: string, key: keyof ListFilter, options: Record<string, string>) =>
      h(
        'label',
        {},
        label,
        h(
          'select',
          { 'data-filter': key, onchange: (e: Event) => this.setFilter(key, (e.target as HTMLSelectElement).value) },
          Object.entries(options).map(([value, text]) => h('option', { value }, text)),
        ),
      )
    this.root.replaceChildren(
      h('style', {}, BASE_STYLES + PAGE_STYLES),
      h('h2', {}, t.notifications),
      h(
        'fieldset',
        {},
        h('legend', {}, t.filters),
        choice(t.status, 'status', t.statusOptions),
        choice(t.category, 'category', t.categoryOptions),
        choice(t.type, 'type', { '': t.anyType, ...t.types }),
        choice(t.archived, 'archived', t.archivedOptions),
      ),
      this.listHost,
      this.sentinel,
      h('div', { class: 'sr', 'aria-live': 'polite' }),
    )
    // Infinite scroll: the next page loads as the end of the list comes into view.
    this.observer = new IntersectionObserver(this.loadIfEndInView, { rootMargin: '200px' })
    this.observer.observe(this.sentinel)
    void this.notifications.reload()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.observer?.disconnect()
  }

  /**
   * Loads the next page when the end of the list is near the viewport. Asked by the observer
   * and after every change, since the observer speaks only when visibility changes: a page
   * that does not fill the screen, or a scroll during a refetch, would otherwise stop here.
   */
  private readonly loadIfEndInView = () => {
    const list = this.notifications
    if (list.loading || !list.nextCursor || !this.isConnected) return
    if (this.sentinel.getBoundingClientRect().top <= globalThis.innerHeight + 200) void list.loadMore()
  }

  private setFilter(key: keyof ListFilter, value: string): void {
    this.notifications.filter = { ...this.notifications.filter, [key]: value || undefined }
    this.selected.clear()
    void this.notifications.reload()
  }

  private chosen(): Notification[] {
    return this.notifications.items.filter((n) => this.selected.has(n.id))
  }

  private bulk(work: (items: Notification[]) => Promise<void>): Promise<void> {
    const items = this.chosen()
    this.selected.clear()
    return this.act(async () => {
      await work(items)
      return { type: 'reset' }
    })
  }

  protected render(): void {
    if (!this.notifications) return
    const t = this.t
    const { items, loading, nextCursor } = this.notifications
    for (const id of this.selected) if (!items.some((n) => n.id === id)) this.selected.delete(id)
    const none = this.selected.size === 0
    const api = this.session!.api
    this.keepFocus(() =>
      fill(this.listHost,
        h(
          'div',
          { class: 'bulk' },
          h(
            'label',
            {},
            h('input', {
              type: 'checkbox',
              'data-action': 'select-all',
              checked: items.length > 0 && this.selected.size === items.length,
              onchange: (e: Event) => {
                for (const n of items) (e.target as HTMLInputElement).checked ? this.selected.add(n.id) : this.selected.delete(n.id)
                this.render()
              },
            }),
            t.selectAll,
          ),
          h('span', { role: 'status' }, t.selected(this.selected.size)),
          h('button', { type: 'button', 'data-action': 'bulk-read', disabled: none, onclick: () => void this.bulk((c) => api.markManyRead(c.map((n) => n.id)).then(() => undefined)) }, t.bulkRead),
          h('button', { type: 'button', 'data-action': 'bulk-archive', disabled: none, onclick: () => void this.bulk(async (c) => void (await Promise.all(c.map((n) => api.archive(n.id))))) }, t.bulkArchive),
          h('button', { type: 'button', 'data-action': 'bulk-delete', disabled: none, onclick: () => void this.bulk(async (c) => void (await Promise.all(c.map((n) => api.remove(n.id))))) }, t.bulkDelete),
        ),
        items.length === 0 && !loading
          ? h('p', { class: 'note' }, t.empty)
          : h(
              'ul',
              { 'aria-label': t.notifications, 'aria-busy': String(loading) },
              items.map((n) =>
                h(
                  'li',
                  { class: n.readAt ? 'item' : 'item unread', 'data-id': n.id },
                  h('input', {
                    type: 'checkbox',
                    'data-action': 'select',
                    'aria-label': t.select(n.title),
                    checked: this.selected.has(n.id),
                    onchange: (e: Event) => {
                      ;(e.target as HTMLInputElement).checked ? this.selected.add(n.id) : this.selected.delete(n.id)
                      this.render()
                    },
                  }),
                  h(
                    'div',
                    { class: 'open' },
                    h('span', { class: 'title' }, n.title, n.readAt ? null : h('span', { class: 'sr' }, ` (${t.unread})`)),
                    h('span', { class: 'body' }, n.body),
                    this.time(n),
                  ),
                  h('div', { class: 'actions' }, this.actionButtons(n)),
                ),
              ),
            ),
        // For keyboards and screen readers, which do not scroll a sentinel into view.
        nextCursor ? h('button', { type: 'button', class: 'more', 'data-action': 'more', onclick: () => void this.notifications.loadMore() }, loading ? t.loading : t.loadMore) : null,
        !nextCursor && items.length > 0 ? h('p', { class: 'note' }, t.end) : null,
      ),
    )
  }
}
