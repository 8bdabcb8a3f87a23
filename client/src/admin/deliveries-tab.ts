import { fill, h } from '../dom.js'
import type { Delivery, DeliveryFilter } from './api.js'
import { when } from './format.js'
import { AdminTab } from './tabs.js'

const CHANNELS = ['email', 'push', 'sms', 'webhook'] as const satisfies readonly NonNullable<DeliveryFilter['channel']>[]
const STATUSES = ['pending', 'sent', 'failed', 'expired'] as const satisfies readonly NonNullable<DeliveryFilter['status']>[]
const PAGE = 50

/** Deliveries on every channel, filtered by channel and status, newest first; failed ones can be retried. */
export class DeliveriesTab extends AdminTab {
  private readonly channel = h('select', { name: 'channel' }, h('option', { value: '' }, 'All channels'), CHANNELS.map((c) => h('option', { value: c }, c)))
  private readonly status = h('select', { name: 'status' }, h('option', { value: '' }, 'Any status'), STATUSES.map((s) => h('option', { value: s }, s)))
  private readonly rows = h('tbody')
  private readonly more = h('button', { type: 'button', class: 'more', hidden: true, onclick: () => void this.load(true) }, 'Load more')
  private cursor: string | null = null

  show(): Promise<void> {
    if (!this.firstChild) {
      const form = h(
        'form',
        { class: 'filters', onsubmit: (e: Event) => (e.preventDefault(), void this.load(false)) },
        h('label', {}, 'Channel ', this.channel),
        h('label', {}, 'Status ', this.status),
        h('button', { type: 'submit' }, 'Show'),
      )
      this.channel.addEventListener('change', () => void this.load(false))
      this.status.addEventListener('change', () => void this.load(false))
      const head = h('thead', {}, h('tr', {}, ['Created', 'Channel', 'Type', 'Destination', 'Status', 'Attempts', 'Last error', ''].map((c) => h('th', { scope: 'col' }, c))))
      this.append(form, this.statusLine, h('div', { class: 'scroll' }, h('table', { class: 'deliveries' }, h('caption', { class: 'sr' }, 'Deliveries'), head, this.rows)), this.more)
    }
    return this.load(false)
  }

  private async load(append: boolean): Promise<void> {
    const query: DeliveryFilter = { limit: PAGE }
    if (this.channel.value) query.channel = this.channel.value as DeliveryFilter['channel']
    if (this.status.value) query.status = this.status.value as DeliveryFilter['status']
    if (append && this.cursor) query.cursor = this.cursor
    await this.attempt('Loading deliveries', async () => {
      const page = await this.api.unwrap(this.api.client.GET('/v1/admin/deliveries', { params: { query } }))
      const rows = page.items.map((d) => this.row(d))
      if (append) this.rows.append(...rows)
      else fill(this.rows, rows.length ? rows : h('tr', {}, h('td', { colspan: 8, class: 'note' }, 'No deliveries match.')))
      this.cursor = page.nextCursor
      this.more.hidden = !page.nextCursor
      if (!append) this.say(`${page.items.length}${page.nextCursor ? '+' : ''} deliveries`)
    })
  }

  private row(d: Delivery): HTMLTableRowElement {
    const tr = h(
      'tr',
      { 'data-id': d.id, 'data-status': d.status },
      h('td', {}, when(d.createdAt)),
      h('td', {}, d.channel),
      h('td', {}, d.type),
      h('td', { class: 'wrap' }, d.destination),
      h('td', {}, h('span', { class: `badge ${d.status}` }, d.status)),
      h('td', { class: 'num' }, d.attempts),
      h('td', { class: 'wrap' }, d.lastError ?? ''),
      h('td', {}, d.status === 'failed' ? h('button', { type: 'button', class: 'retry', onclick: () => void this.retry(d, tr) }, 'Retry') : null),
    )
    return tr
  }

  private async retry(d: Delivery, tr: HTMLTableRowElement): Promise<void> {
    await this.attempt(`Retrying ${d.channel} delivery`, async () => {
      const updated = await this.api.unwrap(this.api.client.POST('/v1/admin/deliveries/{id}/retry', { params: { path: { id: d.id } } }))
      tr.replaceWith(this.row(updated))
      this.say(`The ${d.channel} delivery to ${d.destination} is queued again.`)
    })
  }
}
