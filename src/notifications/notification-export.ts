import type { NotificationView } from './notification-store.js'

/** One JSON document per line. */
export function* toNdjsonLines(batch: NotificationView[], _first: boolean): Generator<string> {
  if (batch.length > 0) yield batch.map((n) => JSON.stringify(n)).join('\n') + '\n'
}

const CSV_COLUMNS = ['id', 'type', 'category', 'title', 'body', 'url', 'createdAt', 'readAt', 'seenAt', 'archivedAt', 'data'] as const

/** RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet never runs a cell as a formula. */
function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** A header before the first batch, then one row per notification (CRLF, as RFC 4180 has it). */
export function* toCsvLines(batch: NotificationView[], first: boolean): Generator<string> {
  if (first) yield CSV_COLUMNS.join(',') + '\r\n'
  if (batch.length > 0) yield batch.map((n) => CSV_COLUMNS.map((c) => csvCell(n[c])).join(',')).join('\r\n') + '\r\n'
}
