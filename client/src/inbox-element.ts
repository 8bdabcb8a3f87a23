import type { GetToken, Notification } from './api.js'
import { ICONS, fill, h, icon } from './dom.js'
import { type InboxSession, inboxSession } from './inbox-session.js'
import type { FeedEvent } from './live-feed.js'
import { type Language, type Messages, languageOf, messages, relativeTime } from './messages.js'
import { NotificationList } from './notification-list.js'
import { BASE_STYLES } from './styles.js'

// Defined against whatever HTMLElement exists, so importing this on a server (no DOM) is harmless.
export const ElementBase = (globalThis.HTMLElement ?? class {}) as typeof HTMLElement

/**
 * Reads the token callback: the `getToken` property, or the name of a global function in
 * the `token-callback` attribute (for a page that only writes HTML).
 */
export function tokenSource(element: HTMLElement & { getToken?: GetToken }): GetToken | undefined {
  if (element.getToken) return element.getToken
  const name = element.getAttribute('token-callback')
  const fn = name ? (globalThis as unknown as Record<string, unknown>)[name] : undefined
  return typeof fn === 'function' ? (fn as GetToken) : undefined
}

/** Base for both components: session, language, feed subscription, minute-by-minute times. */
export abstract class InboxView extends ElementBase {
  getToken?: GetToken
  protected session: InboxSession | undefined
  protected language: Language = 'en'
  protected t: Messages = messages('en')
  protected unreadCount = 0
  protected unseenCount: number | undefined
  protected live = true
  protected readonly root: ShadowRoot
  private unsubscribe: (() => void) | undefined
  private clock: ReturnType<typeof setInterval> | undefined

  constructor() {
    super()
    this.root = this.attachShadow({ mode: 'open' })
  }

  connectedCallback(): void {
    this.language = languageOf(this)
    this.t = messages(this.language)
    const getToken = tokenSource(this)
    const apiBase = this.getAttribute('api-base') ?? ''
    if (!getToken) {
      console.error(`<${this.localName}>: set the getToken property or a token-callback attribute`)
      return
    }
    this.session = inboxSession(apiBase, getToken)
    this.setUp()
    this.unsubscribe = this.session.feed.subscribe((event) => this.onFeed(event))
    this.clock = setInterval(() => this.render(), 60_000)
  }

  disconnectedCallback(): void {
    this.unsubscribe?.()
    clearInterval(this.clock)
  }

  protected abstract setUp(): void
  protected abstract list(): NotificationList
  protected abstract render(): void

  protected onFeed(event: FeedEvent): void {
    if (event.type === 'counts') {
      // Counts come only from the server's count events, never from local arithmetic.
      if (event.unreadCount !== undefined) this.unreadCount = event.unreadCount
      if (event.unseenCount !== undefined) this.unseenCount = event.unseenCount
      this.render()
    } else if (event.type === 'live') {
      this.live = event.live
      this.render()
    } else {
      this.list().apply(event)
    }
  }

  /** Runs an action; its result is shared with every tab (the server's own events follow). */
  protected async act(work: () => Promise<FeedEvent | undefined>): Promise<void> {
    try {
      const event = await work()
      if (event) this.session?.feed.share(event)
    } catch {
      this.announce(this.t.failed)
    }
  }

  protected toggleRead(n: Notification): Promise<void> {
    return this.act(async () => {
      const updated = await this.session!.api.markRead(n.id, !n.readAt)
      return { type: 'notification-updated', id: n.id, readAt: updated.readAt }
    })
  }

  protected toggleArchive(n: Notification): Promise<void> {
    return this.act(async () => {
      const updated = await this.session!.api.archive(n.id, !n.archivedAt)
      return { type: 'notification-updated', id: n.id, archivedAt: updated.archivedAt }
    })
  }

  protected deleteNotification(n: Notification): Promise<void> {
    return this.act(async () => {
      await this.session!.api.remove(n.id)
      return { type: 'notification-deleted', id: n.id }
    })
  }

  protected time(n: Notification): HTMLTimeElement {
    return h('time', { datetime: n.createdAt, title: new Date(n.createdAt).toLocaleString(this.language) }, relativeTime(n.createdAt, this.language))
  }

  protected actionButtons(n: Notification): HTMLElement[] {
    const t = this.t
    const button = (action: string, label: string, path: string, run: () => void) =>
      h('button', { type: 'button', 'data-action': action, 'aria-label': label, title: label, onclick: run }, icon(path))
    return [
      button('read', n.readAt ? t.markUnread(n.title) : t.markRead(n.title), n.readAt ? ICONS.undo : ICONS.check, () => void this.toggleRead(n)),
      button('archive', n.archivedAt ? t.unarchive(n.title) : t.archive(n.title), ICONS.archive, () => void this.toggleArchive(n)),
      button('delete', t.remove(n.title), ICONS.trash, () => void this.deleteNotification(n)),
    ]
  }

  protected announce(text: string): void {
    const region = this.root.querySelector('[aria-live]')
    if (region) region.textContent = text
  }

  /** Re-renders, then puts focus back on the same control of the same notification. */
  protected keepFocus(rebuild: () => void): void {
    const active = this.root.activeElement as HTMLElement | null
    const id = active?.closest<HTMLElement>('[data-id]')?.dataset.id
    const action = active?.dataset.action
    rebuild()
    if (!active || active.isConnected) return
    const row = id ? this.root.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`) : null
    const target = row?.querySelector<HTMLElement>(action ? `[data-action="${action}"]` : '.open') ?? this.root.querySelector<HTMLElement>('.open')
    target?.focus()
  }
}

let soundContext: AudioContext | undefined

/** A short two-tone chime, made on the spot: no audio file to serve. */
function chime(): void {
  const Context = globalThis.AudioContext
  if (!Context) return
  soundContext ??= new Context()
  const now = soundContext.currentTime
  for (const [i, frequency] of [880, 1320].entries()) {
    const oscillator = soundContext.createOscillator()
    const gain = soundContext.createGain()
    oscillator.frequency.value = frequency
    gain.gain.setValueAtTime(0.08, now + i * 0.12)
    gain.gain.exponentialRampToValueAtTime(0.001, now + i * 0.12 + 0.25)
    oscillator.connect(gain).connect(soundContext.destination)
    oscillator.start(now + i * 0.12)
    oscillator.stop(now + i * 0.12 + 0.3)
  }
}

const INBOX_STYLES = `
.bell{position:relative;padding:.45rem;border-radius:50%;line-height:0;color:var(--_fg)}
.bell svg{width:1.5rem;height:1.5rem}
.badge{position:absolute;top:0;right:0;min-width:1.15rem;height:1.15rem;padding:0 .3rem;border-radius:.6rem;background:var(--_badge-bg);color:var(--_badge-fg);font-size:.72rem;font-weight:700;line-height:1.15rem;text-align:center}
.panel{position:absolute;right:0;top:calc(100% + .4rem);z-index:var(--bookit-z-index,1000);width:var(--bookit-panel-width,24rem);max-width:calc(100vw - 1rem);background:var(--_bg);color:var(--_fg);border:1px solid var(--_border);border-radius:var(--_radius);box-shadow:0 10px 30px rgb(0 0 0/.18);overflow:hidden}
.panel[hidden]{display:none}
.head{display:flex;align-items:center;justify-content:space-between;padding:.5rem .6rem;border-bottom:1px solid var(--_border)}
h2{font-size:1rem;margin:0}
.head button{color:var(--_accent);font-weight:600}
.items{max-height:min(28rem,70vh);overflow-y:auto}
.foot{display:block;padding:.6rem;text-align:center;color:var(--_accent);font-weight:600;text-decoration:none}
.foot:hover{background:var(--_hover)}
.offline{padding:.3rem .6rem;margin:0;font-size:.85em;color:var(--_muted)}
`

/** `<bookit-inbox>`: a bell with the unseen count, and a dropdown of the ten newest notifications. */
export class BookitInbox extends InboxView {
  private notifications!: NotificationList
  private opened = false
  private readonly bell = h('button', { type: 'button', class: 'bell', 'aria-haspopup': 'dialog', 'aria-controls': 'panel', 'aria-expanded': 'false' })
  private readonly panel = h('div', { id: 'panel', class: 'panel', role: 'dialog', hidden: true })
  private readonly onOutside = (event: Event) => {
    if (this.opened && !event.composedPath().includes(this)) this.close(false)
  }

  protected list(): NotificationList {
    return this.notifications
  }

  protected setUp(): void {
    this.notifications = new NotificationList(this.session!.api, { archived: 'false' }, 10, () => this.render(), true)
    this.root.replaceChildren(h('style', {}, BASE_STYLES + INBOX_STYLES), this.bell, this.panel, h('div', { class: 'sr', 'aria-live': 'polite' }))
    this.bell.onclick = () => (this.opened ? this.close(true) : this.open())
    this.panel.addEventListener('keydown', (event) => this.onKey(event))
    document.addEventListener('click', this.onOutside)
    void this.notifications.reload()
    this.render()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    document.removeEventListener('click', this.onOutside)
  }

  protected override onFeed(event: FeedEvent): void {
    if (event.type !== 'notification') return super.onFeed(event)
    // Only one the bell did not show yet: a replay after a reconnect may repeat one.
    if (this.list().apply(event)) {
      this.announce(this.t.newNotification(event.notification.title))
      if (this.hasAttribute('sound') && document.visibilityState === 'visible') chime()
    }
  }

  open(): void {
    this.opened = true
    this.render()
    const first = this.root.querySelector<HTMLElement>('.open') ?? this.root.querySelector<HTMLElement>('.head button')
    first?.focus()
    // Opening the bell is what "seen" means; the server then sends the new count.
    void this.act(async () => (await this.session?.api.markAllSeen(), undefined))
  }

  close(returnFocus: boolean): void {
    this.opened = false
    this.render()
    if (returnFocus) this.bell.focus()
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.preventDefault()
      this.close(true)
      return
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp' && event.key !== 'Home' && event.key !== 'End') return
    const rows = [...this.root.querySelectorAll<HTMLElement>('.open')]
    if (rows.length === 0) return
    event.preventDefault()
    const current = rows.findIndex((r) => r === this.root.activeElement?.closest('.item')?.querySelector('.open'))
    const next =
      event.key === 'Home' ? 0 : event.key === 'End' ? rows.length - 1 : event.key === 'ArrowDown' ? Math.min(current + 1, rows.length - 1) : Math.max(current - 1, 0)
    rows[next]?.focus()
  }

  private activate(n: Notification): void {
    if (!n.readAt) void this.toggleRead(n)
    const open = new CustomEvent('bookit-open', { detail: n, bubbles: true, composed: true, cancelable: true })
    if (this.dispatchEvent(open) && n.url) location.assign(new URL(n.url, this.getAttribute('app-base') ?? location.href).href)
  }

  protected render(): void {
    if (!this.notifications) return
    const t = this.t
    // The badge counts what the user has not seen yet (unread until the server reports unseen).
    const count = this.unseenCount ?? this.unreadCount
    this.bell.setAttribute('aria-label', t.bell(count))
    this.bell.setAttribute('aria-expanded', String(this.opened))
    fill(this.bell,icon(ICONS.bell), count > 0 ? h('span', { class: 'badge', 'aria-hidden': 'true' }, count > 99 ? '99+' : count) : null)
    this.panel.hidden = !this.opened
    this.panel.setAttribute('aria-label', t.notifications)
    if (!this.opened) return
    const { items, loading } = this.notifications
    const seeAll = this.getAttribute('see-all-href')
    this.keepFocus(() =>
      fill(this.panel,
        h('div', { class: 'head' }, h('h2', {}, t.notifications), h('button', { type: 'button', 'data-action': 'read-all', onclick: () => void this.markAllRead() }, t.markAllRead)),
        this.live ? null : h('p', { class: 'offline', role: 'status' }, t.offline),
        items.length === 0
          ? h('p', { class: 'note' }, loading ? t.loading : t.empty)
          : h(
              'ul',
              { class: 'items', 'aria-label': t.notifications },
              items.map((n) =>
                h(
                  'li',
                  { class: n.readAt ? 'item' : 'item unread', 'data-id': n.id },
                  h(
                    'button',
                    { type: 'button', class: 'open', onclick: () => this.activate(n) },
                    h('span', { class: 'title' }, n.title, n.readAt ? null : h('span', { class: 'sr' }, ` (${t.unread})`)),
                    h('span', { class: 'body' }, n.body),
                    this.time(n),
                  ),
                  h('div', { class: 'actions' }, this.actionButtons(n)),
                ),
              ),
            ),
        seeAll ? h('a', { class: 'foot', href: seeAll }, t.seeAll) : null,
      ),
    )
  }

  private markAllRead(): Promise<void> {
    return this.act(async () => {
      await this.session!.api.markAllRead()
      // Every tab refetches its list; the counts arrive from the server.
      return { type: 'reset' }
    })
  }
}
