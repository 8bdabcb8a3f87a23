import { faultReason, isUnreachable } from '../db/errors.js'

export interface Culprit {
  /** Index in the list given. */
  index: number
  reason: string
}

/**
 * Runs `attempt` on the whole list; when it fails for any reason but an unreachable
 * database, halves the list and tries each half, down to the single items at fault.
 * A bad event among n costs about 2·log2(n) attempts, never a retry of the whole for ever.
 * An unreachable database is thrown to the caller, which waits and starts over.
 */
export async function splitFailing<T>(items: T[], attempt: (items: T[]) => Promise<unknown>, offset = 0): Promise<Culprit[]> {
  if (items.length === 0) return []
  try {
    await attempt(items)
    return []
  } catch (err) {
    if (isUnreachable(err)) throw err
    if (items.length === 1) return [{ index: offset, reason: faultReason(err) }]
  }
  const middle = Math.ceil(items.length / 2)
  const left = await splitFailing(items.slice(0, middle), attempt, offset)
  const right = await splitFailing(items.slice(middle), attempt, offset + middle)
  return [...left, ...right]
}
