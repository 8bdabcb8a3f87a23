import { h } from '../dom.js'
import { AdminApiError, type AdminApi } from './api.js'

// Defined against whatever HTMLElement exists, so importing this without a DOM is harmless.
export const ElementBase = (globalThis.HTMLElement ?? class {}) as typeof HTMLElement

/**
 * A tab of the admin page: an element of its own (light DOM, styled by the page), given the
 * signed-in API before it is first shown and told each time it is shown again.
 */
export abstract class AdminTab extends ElementBase {
  api!: AdminApi
  /** Loads or refreshes what the tab shows; called on every switch to it. */
  abstract show(): void | Promise<void>

  /** A line under the tab's controls saying what just happened (or went wrong). */
  protected readonly statusLine = h('p', { class: 'status', role: 'status' })

  protected say(text: string, kind: 'ok' | 'error' = 'ok'): void {
    this.statusLine.textContent = text
    this.statusLine.className = `status ${kind}`
  }

  /** Runs a call and reports its failure in the status line instead of losing it. */
  protected async attempt(what: string, work: () => Promise<void>): Promise<boolean> {
    try {
      await work()
      return true
    } catch (err) {
      this.say(`${what} failed: ${err instanceof AdminApiError || err instanceof Error ? err.message : String(err)}`, 'error')
      return false
    }
  }
}

export interface TabDefinition {
  id: string
  label: string
  tag: string
  element: CustomElementConstructor
}

/** The tabs in the order they appear; each is added by one registerTab line in index.ts. */
export const tabs: TabDefinition[] = []

export function registerTab(id: string, label: string, element: CustomElementConstructor): void {
  tabs.push({ id, label, tag: `bookit-admin-${id}`, element })
}

/** A tab whose part is not built yet: says so, calls nothing. */
export function placeholderTab(text: string): CustomElementConstructor {
  return class extends AdminTab {
    show(): void {
      if (!this.firstChild) this.append(h('p', { class: 'note' }, text))
    }
  }
}
