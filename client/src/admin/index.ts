import { AdminShell } from './admin-shell.js'
import { AnnouncementsTab } from './announcements-tab.js'
import { DeliveriesTab } from './deliveries-tab.js'
import { StatisticsTab } from './statistics-tab.js'
import { registerTab, tabs } from './tabs.js'
import { TemplatesTab } from './templates-tab.js'
import { WebhooksTab } from './webhooks-tab.js'

// One line per tab, in the order they appear; a part built elsewhere replaces its placeholder here.
registerTab('deliveries', 'Deliveries', DeliveriesTab)
registerTab('webhooks', 'Webhooks', WebhooksTab)
registerTab('statistics', 'Statistics', StatisticsTab)
registerTab('templates', 'Templates', TemplatesTab)
registerTab('announcements', 'Announcements', AnnouncementsTab)

/** Registers the page and its tabs; a no-op where there is no DOM. */
export function defineAdminElements(registry: CustomElementRegistry | undefined = globalThis.customElements): void {
  if (!registry) return
  for (const tab of tabs) if (!registry.get(tab.tag)) registry.define(tab.tag, tab.element)
  if (!registry.get('bookit-admin')) registry.define('bookit-admin', AdminShell)
}

defineAdminElements()
