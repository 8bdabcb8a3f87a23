import { fill, h } from '../dom.js'
import { AdminApiError } from './api.js'
import { when } from './format.js'
import { AdminTab } from './tabs.js'

type Source = { subject: string; html: string; text: string }
type Key = { name: string; locale: string }

/** Waits this long after the last keystroke before rendering the preview again. */
const PREVIEW_DELAY_MS = 300

/**
 * Email templates: every template × language with its version in use; an editor (subject,
 * HTML, text) with a live preview beside it in a sandboxed frame (no scripts, no same
 * origin), at full width or 375 px; save, discard, publish; versions with restore.
 */
export class TemplatesTab extends AdminTab {
  private readonly rows = h('tbody')
  private readonly editor = h('section', { class: 'template-editor', hidden: true })
  private current: Key | undefined
  private previewTimer: ReturnType<typeof setTimeout> | undefined
  private previewSeq = 0

  show(): Promise<void> {
    if (!this.firstChild) {
      const head = h('thead', {}, h('tr', {}, ['Template', 'Language', 'Sent for', 'In use', 'Draft', ''].map((c) => h('th', { scope: 'col' }, c))))
      this.append(this.statusLine, h('div', { class: 'scroll' }, h('table', { class: 'templates' }, h('caption', { class: 'sr' }, 'Email templates'), head, this.rows)), this.editor)
    }
    return this.load()
  }

  private async load(): Promise<void> {
    await this.attempt('Loading templates', async () => {
      const { items } = await this.api.unwrap(this.api.client.GET('/v1/admin/templates'))
      fill(
        this.rows,
        items.map((t) =>
          h(
            'tr',
            { 'data-template': `${t.name}/${t.locale}` },
            h('td', {}, t.name),
            h('td', {}, t.locale),
            h('td', {}, t.types.join(', ')),
            h('td', {}, t.fileDefault ? (t.version === 0 ? 'file default' : `v${t.version} (file default)`) : `v${t.version}`),
            h('td', {}, t.hasDraft ? `draft, ${when(t.draftUpdatedAt)}` : '–'),
            h('td', {}, h('button', { type: 'button', class: 'edit', onclick: () => void this.open({ name: t.name, locale: t.locale }) }, 'Edit')),
          ),
        ),
      )
    })
  }

  private path(key: Key) {
    return { params: { path: { name: key.name, locale: key.locale } } }
  }

  /** Opens the editor on a template: its draft if there is one, else the version in use. */
  private async open(key: Key): Promise<void> {
    await this.attempt(`Opening ${key.name}/${key.locale}`, async () => {
      const t = await this.api.unwrap(this.api.client.GET('/v1/admin/templates/{name}/{locale}', this.path(key)))
      this.current = key
      const start: Source = t.draft ?? t.current
      const subject = h('input', { name: 'subject', value: start.subject, size: 60 })
      const html = h('textarea', { name: 'html', rows: 18, cols: 60, spellcheck: false })
      const text = h('textarea', { name: 'text', rows: 10, cols: 60, spellcheck: false })
      html.value = start.html
      text.value = start.text
      const source = (): Source => ({ subject: subject.value, html: html.value, text: text.value })

      const frame = h('iframe', { class: 'preview-frame', title: 'Email preview', sandbox: '', referrerpolicy: 'no-referrer' })
      const previewSubject = h('p', { class: 'preview-subject' })
      const headers = h('dl', { class: 'preview-headers' })
      const plain = h('pre', { class: 'preview-text' })
      const problem = h('p', { class: 'status error preview-problem', role: 'alert', hidden: true })
      const narrow = h('input', { type: 'checkbox', name: 'narrow' })
      narrow.addEventListener('change', () => {
        frame.style.width = narrow.checked ? '375px' : '100%'
        frame.dataset.width = narrow.checked ? '375' : 'full'
      })
      frame.style.width = '100%'
      frame.dataset.width = 'full'

      const preview = async () => {
        const seq = ++this.previewSeq
        try {
          const p = await this.api.unwrap(this.api.client.POST('/v1/admin/templates/{name}/{locale}/preview', { ...this.path(key), body: { source: source() } }))
          if (seq !== this.previewSeq) return
          problem.hidden = true
          frame.srcdoc = p.html
          previewSubject.textContent = p.subject
          plain.textContent = p.text
          fill(headers, Object.entries(p.headers).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))
        } catch (err) {
          if (seq !== this.previewSeq) return
          // A refused draft: say why, keep the last good preview.
          problem.textContent = err instanceof AdminApiError || err instanceof Error ? err.message : String(err)
          problem.hidden = false
        }
      }
      const schedule = () => {
        clearTimeout(this.previewTimer)
        this.previewTimer = setTimeout(() => void preview(), PREVIEW_DELAY_MS)
      }
      for (const field of [subject, html, text]) field.addEventListener('input', schedule)

      const versions = h('tbody')
      const loadVersions = async () => {
        const { items } = await this.api.unwrap(this.api.client.GET('/v1/admin/templates/{name}/{locale}/versions', this.path(key)))
        fill(
          versions,
          items.map((v) =>
            h(
              'tr',
              { 'data-version': String(v.version) },
              h('td', {}, v.version === 0 ? 'v0 (file default)' : `v${v.version}`),
              h('td', {}, v.inUse ? 'in use' : ''),
              h('td', {}, v.restoredFrom === null ? (v.version === 0 ? 'templates/' : 'published draft') : `restored v${v.restoredFrom}`),
              h('td', {}, v.createdBy ?? ''),
              h('td', {}, when(v.createdAt)),
              h(
                'td',
                {},
                v.inUse
                  ? ''
                  : h('button', {
                      type: 'button',
                      class: 'restore',
                      onclick: () =>
                        void this.attempt(`Restoring v${v.version}`, async () => {
                          const restored = await this.api.unwrap(this.api.client.POST('/v1/admin/templates/{name}/{locale}/versions/{n}/restore', { params: { path: { ...key, n: v.version } } }))
                          this.say(`Restored v${v.version} as v${restored.version}; the next emails use it.`)
                          await Promise.all([loadVersions(), this.load()])
                        }),
                    }, 'Restore'),
              ),
            ),
          ),
        )
      }

      const save = () =>
        this.attempt('Saving the draft', async () => {
          await this.api.unwrap(this.api.client.PUT('/v1/admin/templates/{name}/{locale}', { ...this.path(key), body: source() }))
          this.say('Draft saved.')
          await this.load()
        })
      const actions = h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'save', onclick: () => void save() }, 'Save draft'),
        h('button', {
          type: 'button',
          class: 'publish',
          onclick: () =>
            void (async () => {
              if (!(await save())) return
              await this.attempt('Publishing', async () => {
                const published = await this.api.unwrap(this.api.client.POST('/v1/admin/templates/{name}/{locale}/publish', this.path(key)))
                this.say(`Published v${published.version}; the next emails use it.`)
                await Promise.all([loadVersions(), this.load()])
              })
            })(),
        }, 'Publish'),
        h('button', {
          type: 'button',
          class: 'discard danger',
          onclick: () =>
            void this.attempt('Discarding the draft', async () => {
              await this.api.unwrap(this.api.client.DELETE('/v1/admin/templates/{name}/{locale}', this.path(key)))
              this.say('Draft discarded.')
              await this.load()
              await this.open(key)
            }),
        }, 'Discard draft'),
      )

      fill(
        this.editor,
        h('h3', {}, `${key.name} / ${key.locale}`),
        h('p', { class: 'note' }, `In use: ${t.version === 0 ? 'the file default' : `v${t.version}`}. Must keep using: ${[...new Set([...t.requiredVariables.subject, ...t.requiredVariables.html, ...t.requiredVariables.text])].map((v) => `it.${v}`).join(', ')}.`),
        h(
          'div',
          { class: 'editor-grid' },
          h('div', { class: 'editor-source' }, h('label', {}, 'Subject', subject), h('label', {}, 'HTML', html), h('label', {}, 'Text', text), actions),
          h(
            'div',
            { class: 'editor-preview' },
            h('label', {}, h('span', {}, narrow, ' 375 px wide')),
            problem,
            previewSubject,
            frame,
            h('details', {}, h('summary', {}, 'Headers'), headers),
            h('details', {}, h('summary', {}, 'Text part'), plain),
          ),
        ),
        h('h4', {}, 'Versions'),
        h('div', { class: 'scroll' }, h('table', { class: 'versions' }, h('thead', {}, h('tr', {}, ['Version', '', 'From', 'By', 'When', ''].map((c) => h('th', { scope: 'col' }, c)))), versions)),
      )
      this.editor.hidden = false
      await Promise.all([preview(), loadVersions()])
    })
  }
}
