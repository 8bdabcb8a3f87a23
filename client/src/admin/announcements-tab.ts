import { fill, h } from '../dom.js'
import type { paths } from '../generated/api.js'
import { AdminApiError } from './api.js'
import { when } from './format.js'
import { AdminTab } from './tabs.js'

type Announcements = paths['/v1/admin/announcements']
type Announcement = Announcements['get']['responses'][200]['content']['application/json']['items'][number]
type NewAnnouncement = NonNullable<Announcements['post']['requestBody']>['content']['application/json']

const CHANNELS = [
  ['inApp', 'In-app'],
  ['email', 'Email'],
  ['push', 'Push'],
] as const satisfies readonly (readonly [NewAnnouncement['channels'][number], string])[]

/** User ids as an operator pastes them: one a line, or separated by commas or spaces. */
export function parseIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean))]
}

/**
 * Announcements: compose one (to everyone, a list of users or one hall; on any of the
 * channels; now or at a local time), the list with status and counts per channel, and
 * Cancel for one not yet fully sent.
 */
export class AnnouncementsTab extends AdminTab {
  private readonly rows = h('tbody')
  // The form's own line, so a refusal is read beside the fields it is about.
  private readonly formStatus = h('p', { class: 'status', role: 'alert' })

  show(): Promise<void> {
    if (!this.firstChild) this.append(this.statusLine, this.list(), this.form())
    return this.load()
  }

  private list(): HTMLElement {
    const head = h('thead', {}, h('tr', {}, ['Send at', 'Title', 'Audience', 'Status', 'Recipients', 'In-app', 'Email', 'Push', ''].map((c) => h('th', { scope: 'col' }, c))))
    const refresh = h('button', { type: 'button', class: 'refresh', onclick: () => void this.load() }, 'Refresh')
    return h('div', {}, h('div', { class: 'scroll' }, h('table', { class: 'announcements' }, h('caption', { class: 'sr' }, 'Announcements'), head, this.rows)), refresh)
  }

  private form(): HTMLFormElement {
    const title = h('input', { name: 'title', required: true, maxlength: 200, size: 40 })
    const body = h('textarea', { name: 'body', required: true, maxlength: 5000, rows: 4, cols: 50 })
    const url = h('input', { name: 'url', placeholder: '/path/in/the/app', size: 40 })
    const audience = h('select', { name: 'audience' }, h('option', { value: 'all' }, 'Everyone'), h('option', { value: 'userIds' }, 'These users'), h('option', { value: 'hallId' }, 'The people of one hall'))
    const userIds = h('textarea', { name: 'userIds', rows: 3, cols: 40, placeholder: 'u-1, u-2 (one a line or separated by commas)' })
    const hallId = h('input', { name: 'hallId', placeholder: 'h-1' })
    const userIdsLabel = h('label', { hidden: true }, 'User ids ', userIds)
    const hallLabel = h('label', { hidden: true }, 'Hall id ', hallId)
    const showAudience = () => {
      userIdsLabel.hidden = audience.value !== 'userIds'
      hallLabel.hidden = audience.value !== 'hallId'
    }
    audience.addEventListener('change', showAudience)
    const boxes = CHANNELS.map(([c]) => h('input', { type: 'checkbox', name: 'channels', value: c, checked: c === 'inApp' }))
    // h sets `checked` as a property; the default is what form.reset() goes back to.
    for (const b of boxes) b.defaultChecked = b.checked
    const sendAt = h('input', { name: 'sendAt', type: 'datetime-local' })

    const form = h(
      'form',
      {
        class: 'create',
        onsubmit: (e: Event) => {
          e.preventDefault()
          const payload: NewAnnouncement = {
            title: title.value,
            body: body.value,
            audience: audience.value === 'userIds' ? { userIds: parseIds(userIds.value) } : audience.value === 'hallId' ? { hallId: hallId.value.trim() } : { all: true },
            channels: boxes.filter((b) => b.checked).map((b) => b.value as NewAnnouncement['channels'][number]),
          }
          if (url.value.trim()) payload.url = url.value.trim()
          // datetime-local is the operator's wall clock; the API wants an instant.
          if (sendAt.value) payload.sendAt = new Date(sendAt.value).toISOString()
          this.formStatus.textContent = ''
          this.formStatus.className = 'status'
          void (async () => {
            try {
              const created = await this.api.unwrap(this.api.client.POST('/v1/admin/announcements', { body: payload }))
              form.reset()
              showAudience()
              this.say(`Scheduled "${created.title}" for ${when(created.sendAt)} UTC.`)
              await this.load()
            } catch (err) {
              this.formStatus.textContent = `Not scheduled: ${err instanceof AdminApiError || err instanceof Error ? err.message : String(err)}`
              this.formStatus.className = 'status error'
            }
          })()
        },
      },
      h('h3', {}, 'New announcement'),
      h('label', {}, 'Title ', title),
      h('label', {}, 'Text ', body),
      h('label', {}, 'Link (optional) ', url),
      h('label', {}, 'Audience ', audience),
      userIdsLabel,
      hallLabel,
      h('fieldset', {}, h('legend', {}, 'Channels'), CHANNELS.map(([, label], i) => h('label', {}, boxes[i], ` ${label}`))),
      h('label', {}, 'Send at (your local time; empty for now) ', sendAt),
      h('button', { type: 'submit' }, 'Schedule'),
      this.formStatus,
    )
    return form
  }

  private async load(): Promise<void> {
    await this.attempt('Loading announcements', async () => {
      const { items } = await this.api.unwrap(this.api.client.GET('/v1/admin/announcements', { params: { query: { limit: 50 } } }))
      fill(this.rows, items.length ? items.map((a) => this.row(a)) : h('tr', {}, h('td', { colspan: 9, class: 'note' }, 'No announcements yet.')))
    })
  }

  private row(a: Announcement): HTMLTableRowElement {
    const audience = 'all' in a.audience ? 'everyone' : 'userIds' in a.audience ? `${a.audience.userIds.length} users` : `hall ${a.audience.hallId}`
    // A channel not chosen shows a dash, so a 0 always means "none reached yet".
    const count = (c: 'inApp' | 'email' | 'push') => h('td', { class: `count ${c}` }, a.channels.includes(c) ? a.counts[c] : '–')
    const open = a.status === 'scheduled' || a.status === 'sending'
    const cancel =
      open &&
      h('button', {
        type: 'button',
        class: 'danger cancel',
        onclick: () =>
          void this.attempt('Cancelling the announcement', async () => {
            await this.api.unwrap(this.api.client.DELETE('/v1/admin/announcements/{id}', { params: { path: { id: a.id } } }))
            this.say(`Cancelled "${a.title}".`)
            await this.load()
          }),
      }, 'Cancel')
    return h(
      'tr',
      { 'data-id': a.id, 'data-status': a.status },
      h('td', {}, when(a.sendAt)),
      h('td', { class: 'wrap' }, a.title),
      h('td', {}, audience),
      h('td', { class: 'state' }, a.status),
      h('td', {}, a.recipients),
      count('inApp'),
      count('email'),
      count('push'),
      h('td', { class: 'actions' }, cancel),
    )
  }
}
