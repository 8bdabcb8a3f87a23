/**
 * The fixed log-spaced bins the statistics rollups count durations in (the stats-buckets
 * migration's stats_bin is the same rule in SQL): bin 0 is under 10 ms, bin k in 1..112
 * holds [10 ms * 2^((k-1)/4), 10 ms * 2^(k/4)), and the last bin everything from about 35 days.
 * A quantile read from the bins is reported at its bin's geometric middle, so it is within
 * a factor 2^(1/8) (about 9.1%) of the exact one; under 10 ms it is reported as 5 ms.
 */
export const DURATION_BINS = 114
const BINS_PER_DOUBLING = 4
const FIRST_EDGE_MS = 10

export function durationBin(ms: number): number {
  if (!(ms >= FIRST_EDGE_MS)) return 0
  return Math.min(DURATION_BINS - 1, Math.floor(BINS_PER_DOUBLING * Math.log2(ms / FIRST_EDGE_MS)) + 1)
}

/** The value a bin stands for: its geometric middle (its lower edge for the open-ended last one). */
export function binValueMs(bin: number): number {
  if (bin <= 0) return FIRST_EDGE_MS / 2
  if (bin >= DURATION_BINS - 1) return FIRST_EDGE_MS * 2 ** ((DURATION_BINS - 2) / BINS_PER_DOUBLING)
  return FIRST_EDGE_MS * 2 ** ((bin - 0.5) / BINS_PER_DOUBLING)
}

/** The largest ratio between a reported quantile and the exact one (outside bin 0). */
export const QUANTILE_PRECISION = 2 ** (1 / (2 * BINS_PER_DOUBLING))

/** Each bin's value rounded to the millisecond: what a quantile that fell in it is reported as. */
const BIN_MS: readonly number[] = Array.from({ length: DURATION_BINS }, (_, bin) => Math.round(binValueMs(bin)))

/** What a quantile that fell in `bin` is reported as; null for no bin. */
export function quantileBinMs(bin: number | null): number | null {
  return bin === null ? null : (BIN_MS[bin] ?? null)
}

/**
 * The q-quantile (0 < q ≤ 1) of the durations counted in `histogram` (counts per bin), as the
 * value at rank ceil(q·n), rounded to the millisecond; null when nothing was counted.
 */
export function quantileMs(histogram: readonly number[] | null | undefined, q: number): number | null {
  if (!histogram) return null
  let total = 0
  for (const n of histogram) total += n
  if (total === 0) return null
  const rank = Math.max(1, Math.ceil(q * total))
  let seen = 0
  for (let bin = 0; bin < histogram.length; bin++) {
    seen += histogram[bin] ?? 0
    if (seen >= rank) return quantileBinMs(bin)
  }
  return null
}
