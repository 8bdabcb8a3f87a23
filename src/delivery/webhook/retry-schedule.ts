/**
 * The Standard Webhooks retry schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h after each failure. Entry n is the wait after the n-th failed attempt.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000]

/** Delay before the next attempt after `attempts` failed ones, ±10 % jitter; undefined = give up. */
export function webhookRetryDelayMs(attempts: number, random: () => number = Math.random): number | undefined {
  const base = WEBHOOK_RETRY_SCHEDULE_MS[attempts - 1]
  if (base === undefined) return undefined
  // Jitter spreads the retries of many deliveries that failed together (an endpoint outage).
  return Math.round(base * (0.9 + 0.2 * random()))
}
