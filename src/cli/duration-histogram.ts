/**
 * Quantiles of the solve times of a run in constant memory: a histogram of durations in
 * buckets 1% wide, so the summary's p50 and p95 cost the same for 200 tasks and for 10 million,
 * and a sample (five a second in the live view) never sorts the run's history.
 */

// Bucket 0 holds durations under 1 ms; bucket i >= 1 holds [GROWTH^(i-1), GROWTH^i) ms.
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
// Up to GROWTH^2400 ms (about 8 months); longer durations share the last bucket.
const BUCKETS = 2_400;

/**
 * Counts durations (milliseconds) and answers quantiles within 1% of the exact value (the
 * nearest-rank quantile of the durations counted).
 *
 * @example
 * ```ts
 * const times = new DurationHistogram();
 * for (const ms of [120, 80, 300]) times.add(ms);
 * times.quantile(0.5); // about 120 (within 1%)
 * ```
 */
export class DurationHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;

  /** Durations counted. */
  get count(): number {
    return this.#count;
  }

  /** Counts one duration; negative or NaN durations count as 0. */
  add(ms: number): void {
    this.#counts[bucketOf(ms)]!++;
    this.#count++;
  }

  /**
   * The duration at quantile `q` (0 to 1) by nearest rank, within 1% (the middle of its
   * bucket); 0 for durations under 1 ms; `undefined` before any duration.
   */
  quantile(q: number): number | undefined {
    if (this.#count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return i === 0 ? 0 : GROWTH ** (i - 0.5);
    }
    return GROWTH ** (BUCKETS - 1.5);
  }
}

function bucketOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(ms) / LOG_GROWTH));
}
