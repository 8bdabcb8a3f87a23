import { fill, h } from '../dom.js'
import { AdminApiError, createAdminApi, type AdminApi } from './api.js'
import { type AdminTab, ElementBase, tabs } from './tabs.js'

/**
 * The admin page: a sign-in form taking an admin token, then one tab per registered part.
 * The token is held in this element's memory only (never storage or cookies): a reload or
 * "Sign out" forgets it.
 */
export class AdminShell extends ElementBase {
  #token: string | undefined
  private api: AdminApi | undefined
  private readonly shown = new Map<string, AdminTab>()

  connectedCallback(): void {
    this.signIn()
  }

  private signIn(message?: string): void {
    this.#token = undefined
    this.shown.clear()
    const token = h('textarea', { name: 'token', rows: 3, cols: 60, required: true, autocomplete: 'off', spellcheck: 'false' })
    const error = h('p', { class: 'status error', role: 'alert' }, message ?? '')
    const form = h(
      'form',
      {
        class: 'sign-in',
        onsubmit: (e: Event) => {
          e.preventDefault()
          void this.tryToken(token.value.trim().replace(/^Bearer\s+/i, ''), error)
        },
      },
      h('h2', {}, 'Sign in'),
      h('label', {}, 'Admin token (a JWT with the notifications:admin role)', token),
      h('button', { type: 'submit' }, 'Sign in'),
      error,
    )
    fill(this, form)
    token.focus()
  }

  /** Checks the token with one cheap admin call before showing anything. */
  private async tryToken(candidate: string, error: HTMLElement): Promise<void> {
    if (!candidate) {
      error.textContent = 'Paste a token first.'
      return
    }
    this.#token = candidate
    const api = createAdminApi(this.getAttribute('api-base') ?? '', () => this.#token)
    try {
      await api.unwrap(api.client.GET('/v1/admin/deliveries', { params: { query: { limit: 1 } } }))
    } catch (err) {
      this.#token = undefined
      error.textContent = err instanceof AdminApiError ? err.message : `The service could not be reached (${String(err)}).`
      return
    }
    this.api = createAdminApi(this.getAttribute('api-base') ?? '', () => this.#token)
    this.signedIn()
  }

  private signedIn(): void {
    const list = h('div', { role: 'tablist', 'aria-label': 'Admin sections' })
    const panel = h('section', { class: 'panel', role: 'tabpanel' })
    const buttons = tabs.map((tab) =>
      h('button', { type: 'button', role: 'tab', id: `tab-${tab.id}`, 'data-tab': tab.id, 'aria-selected': 'false', onclick: () => select(tab.id) }, tab.label),
    )
    list.append(...buttons)
    const select = (id: string) => {
      const tab = tabs.find((t) => t.id === id)
      if (!tab || !this.api) return
      for (const b of buttons) b.setAttribute('aria-selected', String(b.dataset.tab === id))
      panel.setAttribute('aria-labelledby', `tab-${id}`)
      let element = this.shown.get(id)
      if (!element) {
        element = document.createElement(tab.tag) as AdminTab
        element.api = this.api
        this.shown.set(id, element)
      }
      fill(panel, element)
      void element.show()
    }
    const out = h('button', { type: 'button', class: 'sign-out', onclick: () => this.signIn('Signed out; the token is forgotten.') }, 'Sign out')
    fill(this, h('div', { class: 'bar' }, list, out), panel)
    if (tabs[0]) select(tabs[0].id)
  }
}
