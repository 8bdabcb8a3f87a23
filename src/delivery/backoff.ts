/** How a delivery's failed attempts are spaced out, and when it gives up. */
export interface RetryPolicy {
  retryBaseMs: number
  retryMaxMs: number
  maxAttempts: number
  giveUpAfterMs: number
}

/** Exponential backoff with jitter: base·2^(n-1), capped, then spread over its upper half. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/**
 * The wait before the next try after `attempts` tries of a delivery created `ageMs` ago,
 * or undefined to give up. Seconds at first, then minutes, then hours; the last try lands
 * at the end of the give-up window rather than past it. A channel with a schedule of its
 * own (webhooks) decides alone.
 */
export function nextRetryDelayMs(
  policy: RetryPolicy,
  attempts: number,
  ageMs: number,
  own?: (attempts: number) => number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (own) return own(attempts)
  if (attempts >= policy.maxAttempts) return undefined
  const left = policy.giveUpAfterMs - ageMs
  if (left <= 0) return undefined
  return Math.min(left, retryDelayMs(attempts, policy.retryBaseMs, policy.retryMaxMs, random))
}

/** The waits the dispatcher uses between tries, from first to last, when sends take no time. */
export function retrySchedule(policy: RetryPolicy, random: () => number = Math.random): number[] {
  const delays: number[] = []
  let age = 0
  for (let attempts = 1; ; attempts++) {
    const delay = nextRetryDelayMs(policy, attempts, age, undefined, random)
    if (delay === undefined) return delays
    delays.push(delay)
    age += delay
  }
}
