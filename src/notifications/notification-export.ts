import type { NotificationView } from './notification-store.js'

// Rows are written in pieces of about this many characters rather than one string per batch:
// a batch as one string is over a megabyte (two bytes a character once any text is not
// Latin-1), which V8 keeps in its large-object space until a full collection, so a long
// export grew the heap by several of them. Pieces this size live and die in the young
// generation, and are still large enough that writing them costs little per row.
const PIECE_CHARS = 32 * 1024

/** Joins lines into pieces of about PIECE_CHARS characters, each ending with a line end. */
function* inPieces(lines: Iterable<string>, end: string): Generator<string> {
  let piece: string[] = []
  let chars = 0
  for (const line of lines) {
    piece.push(line)
    chars += line.length + end.length
    if (chars >= PIECE_CHARS) {
      yield piece.join(end) + end
      piece = []
      chars = 0
    }
  }
  if (piece.length > 0) yield piece.join(end) + end
}

function* mapped<T>(batch: T[], line: (item: T) => string): Generator<string> {
  for (const item of batch) yield line(item)
}

/** One JSON document per line. */
export function toNdjsonLines(batch: NotificationView[], _first: boolean): Generator<string> {
  return inPieces(
    mapped(batch, (n) => JSON.stringify(n)),
    '\n',
  )
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
  yield* inPieces(
    mapped(batch, (n) => CSV_COLUMNS.map((c) => csvCell(n[c])).join(',')),
    '\r\n',
  )
}
