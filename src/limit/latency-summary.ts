/**
 * Robust summary of a small set of latencies: median, mean and the standard error of the
 * median estimated from the interquartile range (SE ≈ 1.2533 · (IQR / 1.349) / √n), which a
 * few wild samples cannot blow up the way a standard deviation can.
 */
export interface LatencySummary {
  readonly count: number;
  readonly median: number;
  readonly mean: number;
  /** Standard error of the median, relative to the median (0.05 = ±5 %). */
  readonly relativeError: number;
}

/** The standard error of a median is √(π/2) ≈ 1.2533 times that of a mean (normal data). */
const MEDIAN_SE_PER_SIGMA = 1.2533;
/** A normal distribution's interquartile range is 1.349 σ, so IQR / 1.349 estimates σ robustly. */
const IQR_PER_SIGMA = 1.349;

const scratch = { buffer: new Float64Array(256) };

/** Summarises the first `count` values of `values` (which it does not modify). */
export function summarizeLatencies(values: Float64Array, count: number): LatencySummary {
  if (scratch.buffer.length < count) scratch.buffer = new Float64Array(count);
  const sorted = scratch.buffer.subarray(0, count);
  sorted.set(values.subarray(0, count));
  sorted.sort();
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i]!;
  const median = quantile(sorted, 0.5);
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  const relativeError =
    median > 0 && count > 1
      ? (MEDIAN_SE_PER_SIGMA * (iqr / IQR_PER_SIGMA)) / Math.sqrt(count) / median
      : 1;
  return { count, median, mean: count > 0 ? sum / count : 0, relativeError };
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
