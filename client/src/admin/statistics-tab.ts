import { fill, h } from '../dom.js'
import type { paths } from '../generated/api.js'
import { AdminTab } from './tabs.js'

type Stats = paths['/v1/admin/stats']['get']['responses'][200]['content']['application/json']
type Interval = Stats['interval']
const SERIES = ['created', 'sent', 'failed', 'read'] as const
type Series = (typeof SERIES)[number]

const HOUR = 3_600_000
const RANGES: { label: string; interval: Interval; ms: number }[] = [
  { label: 'Last 24 hours, by hour', interval: 'hour', ms: 24 * HOUR },
  { label: 'Last 7 days, by hour', interval: 'hour', ms: 7 * 24 * HOUR },
  { label: 'Last 30 days, by day', interval: 'day', ms: 30 * 24 * HOUR },
  { label: 'Last 90 days, by day', interval: 'day', ms: 90 * 24 * HOUR },
]

const W = 720
const H = 240
const PAD = { left: 48, right: 12, top: 12, bottom: 28 }
const SVG_NS = 'http://www.w3.org/2000/svg'

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (SVGElement | string)[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag)
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value))
  element.append(...children)
  return element
}

/** Every bucket of the range, empty ones included, so the line does not skip gaps. */
function perBucket(stats: Stats): { starts: number[]; values: Record<Series, number[]> } {
  const step = stats.interval === 'hour' ? HOUR : 24 * HOUR
  const starts: number[] = []
  for (let at = Date.parse(stats.from); at < Date.parse(stats.to); at += step) starts.push(at)
  const index = new Map(starts.map((s, i) => [s, i]))
  const values = Object.fromEntries(SERIES.map((s) => [s, starts.map(() => 0)])) as Record<Series, number[]>
  for (const b of stats.buckets) {
    const i = index.get(Date.parse(b.start))
    if (i === undefined) continue
    for (const s of SERIES) values[s][i]! += b[s]
  }
  return { starts, values }
}

const label = (at: number, interval: Interval) => new Date(at).toISOString().slice(interval === 'hour' ? 5 : 0, interval === 'hour' ? 16 : 10).replace('T', ' ')

/** A line chart of created, sent, failed and read per bucket, as inline SVG (no chart library). */
export function statsChart(stats: Stats): SVGSVGElement {
  const { starts, values } = perBucket(stats)
  const max = Math.max(1, ...SERIES.flatMap((s) => values[s]))
  const x = (i: number) => PAD.left + (starts.length <= 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (starts.length - 1))
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom)
  const totals = SERIES.map((s) => `${s} ${values[s].reduce((a, b) => a + b, 0)}`).join(', ')
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': `Per ${stats.interval}, in total: ${totals}` })
  chart.append(
    svg('line', { class: 'axis', x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom }),
    svg('line', { class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom }),
    svg('text', { x: PAD.left - 6, y: PAD.top + 8, 'text-anchor': 'end' }, String(max)),
    svg('text', { x: PAD.left - 6, y: H - PAD.bottom, 'text-anchor': 'end' }, '0'),
  )
  if (starts.length > 0) {
    chart.append(
      svg('text', { x: PAD.left, y: H - 8 }, label(starts[0]!, stats.interval)),
      svg('text', { x: W - PAD.right, y: H - 8, 'text-anchor': 'end' }, label(starts[starts.length - 1]!, stats.interval)),
    )
  }
  for (const s of SERIES) {
    const points = values[s].map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
    chart.append(svg('polyline', { class: `s-${s}`, 'data-series': s, 'data-values': values[s].join(','), points }, svg('title', {}, s)))
  }
  return chart
}

/** The statistics as a chart per bucket and a table per type and channel over the range. */
export class StatisticsTab extends AdminTab {
  private readonly range = h('select', { name: 'range' }, RANGES.map((r, i) => h('option', { value: i }, r.label)))
  private readonly output = h('div', { class: 'stats' })

  show(): Promise<void> {
    if (!this.firstChild) {
      this.range.value = '2'
      this.range.addEventListener('change', () => void this.load())
      const refresh = h('button', { type: 'button', onclick: () => void this.load() }, 'Refresh')
      this.append(h('div', { class: 'filters' }, h('label', {}, 'Range ', this.range), refresh), this.statusLine, this.output)
    }
    return this.load()
  }

  private async load(): Promise<void> {
    const range = RANGES[Number(this.range.value)] ?? RANGES[2]!
    // Whole buckets ending with the current one: 24 hours or 30 days, not one more partial one.
    const step = range.interval === 'hour' ? HOUR : 24 * HOUR
    const to = new Date()
    const from = new Date(Math.floor(to.getTime() / step) * step - range.ms + step)
    await this.attempt('Loading statistics', async () => {
      const stats = await this.api.unwrap(this.api.client.GET('/v1/admin/stats', { params: { query: { from: from.toISOString(), to: to.toISOString(), interval: range.interval } } }))
      fill(this.output, h('div', { class: 'legend' }, SERIES.map((s) => h('span', { class: `key s-${s}` }, s))), statsChart(stats), this.table(stats))
      this.say(stats.buckets.length ? `${range.label}: ${stats.buckets.length} buckets with activity` : `${range.label}: nothing happened`)
    })
  }

  private table(stats: Stats): HTMLElement {
    const sums = new Map<string, { type: string; channel: string; created: number; sent: number; failed: number; read: number; unsubscribed: number }>()
    for (const b of stats.buckets) {
      const key = `${b.type}\u0000${b.channel}`
      const row = sums.get(key) ?? { type: b.type, channel: b.channel, created: 0, sent: 0, failed: 0, read: 0, unsubscribed: 0 }
      for (const k of ['created', 'sent', 'failed', 'read', 'unsubscribed'] as const) row[k] += b[k]
      sums.set(key, row)
    }
    const columns = ['created', 'sent', 'failed', 'read', 'unsubscribed'] as const
    return h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'totals' },
        h('caption', { class: 'sr' }, 'Totals per type and channel'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Channel'), columns.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, [...sums.values()].map((r) => h('tr', {}, h('td', {}, r.type), h('td', {}, r.channel), columns.map((c) => h('td', { class: 'num' }, r[c]))))),
      ),
    )
  }
}
