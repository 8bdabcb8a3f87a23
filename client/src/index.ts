import { BookitInbox } from './inbox-element.js'
import { BookitNotificationPage } from './page-element.js'

export type { GetToken, Notification } from './api.js'
export { BookitInbox, BookitNotificationPage }

/** Registers both elements; safe to call more than once, and a no-op where there is no DOM (server rendering). */
export function defineBookitElements(registry: CustomElementRegistry | undefined = globalThis.customElements): void {
  if (!registry) return
  if (!registry.get('bookit-inbox')) registry.define('bookit-inbox', BookitInbox)
  if (!registry.get('bookit-notification-page')) registry.define('bookit-notification-page', BookitNotificationPage)
}

// As a plain <script type="module"> the elements simply work; on a server this does nothing.
defineBookitElements()
