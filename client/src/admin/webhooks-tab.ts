import { fill, h } from '../dom.js'
import type { WebhookEndpoint, WebhookEvent } from './api.js'
import { when } from './format.js'
import { AdminTab } from './tabs.js'

const EVENTS = ['notification.created', 'delivery.sent', 'delivery.delivered', 'delivery.failed'] as const satisfies readonly WebhookEvent[]

/** Webhook endpoints: list, register, rotate the secret, remove. A secret is shown once, here. */
export class WebhooksTab extends AdminTab {
  private readonly rows = h('tbody')
  private readonly secret = h('div', { class: 'secret', hidden: true })

  show(): Promise<void> {
    if (!this.firstChild) {
      const url = h('input', { name: 'url', type: 'url', required: true, placeholder: 'https://example.com/hooks/bookit', size: 40 })
      const description = h('input', { name: 'description', maxlength: 500 })
      const boxes = EVENTS.map((e) => h('input', { type: 'checkbox', name: 'events', value: e, checked: true }))
      const form = h(
        'form',
        {
          class: 'create',
          onsubmit: (e: Event) => {
            e.preventDefault()
            const events = boxes.filter((b) => b.checked).map((b) => b.value as WebhookEvent)
            void this.attempt('Registering the endpoint', async () => {
              const created = await this.api.unwrap(this.api.client.POST('/v1/admin/webhooks', { body: { url: url.value, events, description: description.value } }))
              this.showSecret('New endpoint', created.secret)
              url.value = ''
              description.value = ''
              await this.load()
            })
          },
        },
        h('h3', {}, 'Register an endpoint'),
        h('label', {}, 'URL ', url),
        h('label', {}, 'Description ', description),
        h('fieldset', {}, h('legend', {}, 'Events'), EVENTS.map((e, i) => h('label', {}, boxes[i], ` ${e}`))),
        h('button', { type: 'submit' }, 'Register'),
      )
      const head = h('thead', {}, h('tr', {}, ['URL', 'Events', 'Description', 'State', 'Last success', ''].map((c) => h('th', { scope: 'col' }, c))))
      this.append(this.statusLine, this.secret, h('div', { class: 'scroll' }, h('table', {}, h('caption', { class: 'sr' }, 'Webhook endpoints'), head, this.rows)), form)
    }
    return this.load()
  }

  private async load(): Promise<void> {
    await this.attempt('Loading webhook endpoints', async () => {
      const { items } = await this.api.unwrap(this.api.client.GET('/v1/admin/webhooks'))
      fill(this.rows, items.length ? items.map((e) => this.row(e)) : h('tr', {}, h('td', { colspan: 6, class: 'note' }, 'No endpoints yet.')))
    })
  }

  private row(e: WebhookEndpoint): HTMLTableRowElement {
    const path = { params: { path: { id: e.id } } }
    // Two clicks to delete: a removed endpoint's pending calls fail and cannot be brought back.
    const remove = h('button', { type: 'button', class: 'danger' }, 'Delete')
    remove.addEventListener('click', () => {
      if (remove.dataset.armed === undefined) {
        remove.dataset.armed = ''
        remove.textContent = 'Really delete?'
        return
      }
      void this.attempt('Deleting the endpoint', async () => {
        await this.api.unwrap(this.api.client.DELETE('/v1/admin/webhooks/{id}', path))
        this.say(`Deleted ${e.url}.`)
        await this.load()
      })
    })
    const rotate = h('button', {
      type: 'button',
      onclick: () =>
        void this.attempt('Rotating the secret', async () => {
          const rotated = await this.api.unwrap(this.api.client.POST('/v1/admin/webhooks/{id}/rotate-secret', path))
          this.showSecret(`New secret for ${e.url} (the old one signs alongside until ${when(rotated.previousSecretExpiresAt)} UTC)`, rotated.secret)
          await this.load()
        }),
    }, 'Rotate secret')
    return h(
      'tr',
      { 'data-id': e.id },
      h('td', { class: 'wrap' }, e.url),
      h('td', {}, e.events.join(', ')),
      h('td', { class: 'wrap' }, e.description),
      h('td', {}, e.enabled ? (e.failingSince ? `failing since ${when(e.failingSince)}` : 'enabled') : `disabled: ${e.disabledReason ?? ''}`),
      h('td', {}, when(e.lastSuccessAt)),
      h('td', { class: 'actions' }, rotate, remove),
    )
  }

  private showSecret(label: string, secret: string): void {
    fill(this.secret, h('p', {}, `${label}. Copy the signing secret now; it is not shown again:`), h('code', {}, secret))
    this.secret.hidden = false
  }
}
