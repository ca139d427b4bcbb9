/**
 * The most recent calls a controller saw start, in start order: each one's start time and,
 * once it finished, its latency. It lets a controller read the latency of calls that have
 * not finished yet as a lower bound (a call in flight for 20 s takes at least 20 s), so a
 * rise shows before the slow calls report it. Bounded: the oldest entries are forgotten.
 */
export class CallLog {
  private readonly startedAt = new Float64Array(CALL_LOG_SIZE);
  /** `NaN` while the call is in flight. */
  private readonly latencyMs = new Float64Array(CALL_LOG_SIZE);
  /** Entries ever recorded; the live ones are the last `min(total, CALL_LOG_SIZE)`. */
  private total = 0;

  /** Records a call that started at `at` (clock ms, non-decreasing from one call to the next). */
  started(at: number): void {
    const i = this.total++ & MASK;
    this.startedAt[i] = at;
    this.latencyMs[i] = Number.NaN;
  }

  /**
   * Marks the call that started at `at` as finished after `latencyMs`. A call the log does
   * not hold (never reported, or already forgotten) is ignored.
   */
  finished(at: number, latencyMs: number): void {
    const count = Math.min(this.total, CALL_LOG_SIZE);
    const first = this.total - count;
    // Binary search for the first entry that started at `at` or later.
    let lo = first;
    let hi = this.total;
    while (lo < hi) {
      const mid = lo + ((hi - lo) >> 1);
      if (this.startedAt[mid & MASK]! < at) lo = mid + 1;
      else hi = mid;
    }
    // Calls that started at the same instant are interchangeable: mark the first in flight.
    for (let j = lo; j < this.total && this.startedAt[j & MASK] === at; j++) {
      if (Number.isNaN(this.latencyMs[j & MASK]!)) {
        this.latencyMs[j & MASK] = latencyMs;
        return;
      }
    }
  }

  /**
   * The newest `maxCount` calls that started between `since` and `now - minAgeMs` (each had
   * time to finish within `minAgeMs`): their latencies, where a call still in flight counts
   * with its age, a lower bound (`values`, valid up to `count` and until the next call).
   * `undefined` without such calls.
   */
  cohort(
    now: number,
    since: number,
    minAgeMs: number,
    maxCount: number,
  ): { count: number; inFlight: number; values: Float64Array } | undefined {
    const cutoff = now - minAgeMs;
    if (!(cutoff >= since)) return undefined;
    const first = this.total - Math.min(this.total, CALL_LOG_SIZE);
    let count = 0;
    let inFlight = 0;
    for (let j = this.total - 1; j >= first && count < maxCount; j--) {
      const start = this.startedAt[j & MASK]!;
      if (start > cutoff) continue;
      if (start < since) break;
      const latency = this.latencyMs[j & MASK]!;
      if (Number.isNaN(latency)) inFlight++;
      scratch[count++] = Number.isNaN(latency) ? now - start : latency;
    }
    return count === 0 ? undefined : { count, inFlight, values: scratch };
  }

  /** Calls in the log that finished at `from` or later, and calls in the log still in flight. */
  recent(from: number): { finished: number; inFlight: number } {
    const first = this.total - Math.min(this.total, CALL_LOG_SIZE);
    let finished = 0;
    let inFlight = 0;
    for (let j = first; j < this.total; j++) {
      const latency = this.latencyMs[j & MASK]!;
      if (Number.isNaN(latency)) inFlight++;
      else if (this.startedAt[j & MASK]! + latency >= from) finished++;
    }
    return { finished, inFlight };
  }
}

/** Calls remembered; more calls than this in flight at once leave the oldest unseen. */
export const CALL_LOG_SIZE = 1024;
const MASK = CALL_LOG_SIZE - 1;
const scratch = new Float64Array(CALL_LOG_SIZE);
