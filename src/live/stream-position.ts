/**
 * Where a stream stands, sent as every frame's `id:` and returned as `Last-Event-ID`.
 * Seqs are handed out when a change is written but become visible when its transaction
 * commits, so "everything up to seq S" is not enough: `{ seq: S, xmin: X }` means every
 * change with seq <= S has been sent, except ones written by transactions >= X (they may
 * commit later with a lower seq). A replay sends what a position does not cover.
 */
export interface StreamPosition {
  seq: number
  /** null: a plain seq from an older id, which covers every seq up to it (today's meaning then). */
  xmin: number | null
}

/** `<seq>.<xmin>`, or a plain `<seq>` from before transaction ids were recorded. */
const ID = /^(\d{1,15})(?:\.(\d{1,19}))?$/

export function parsePosition(id: string): StreamPosition | undefined {
  const match = ID.exec(id)
  if (!match) return undefined
  const xmin = match[2] === undefined ? null : Number(match[2])
  if (xmin !== null && !Number.isSafeInteger(xmin)) return undefined
  return { seq: Number(match[1]), xmin }
}

export const formatPosition = (p: StreamPosition): string => (p.xmin === null ? String(p.seq) : `${p.seq}.${p.xmin}`)

/** Whether a change (its seq, and the transaction that wrote it: null when not recorded) is one the position has. */
export function covers(p: StreamPosition, seq: number, xid: number | null): boolean {
  return seq <= p.seq && (p.xmin === null || xid === null || xid < p.xmin)
}

/**
 * The position after sending a change with `seq` read under `horizon` (every change with
 * seq <= it and an older transaction has then been sent: see LiveFrame). Either stays
 * true of what the stream sent, so the result is one that follows from both.
 */
export function advance(p: StreamPosition, seq: number, horizon: number | null): StreamPosition {
  if (horizon === null) return p
  if (seq >= p.seq) return { seq, xmin: horizon }
  // A late committer below the position: the position keeps its seq and the older horizon.
  return { seq: p.seq, xmin: p.xmin === null ? horizon : Math.min(p.xmin, horizon) }
}

/** A position both given positions cover: where a replay serving streams at either starts. */
export function earliest(a: StreamPosition, b: StreamPosition): StreamPosition {
  const xmin = a.xmin === null ? b.xmin : b.xmin === null ? a.xmin : Math.min(a.xmin, b.xmin)
  return { seq: Math.min(a.seq, b.seq), xmin }
}
