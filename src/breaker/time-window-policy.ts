import { type FailurePolicy, type RateRule, rateExceeded } from './failure-policy.js';

/**
 * The rate rule over the last `size` milliseconds, in `buckets` buckets of `size / buckets` ms.
 *
 * A sample taken at time `t` falls in bucket `floor(t / width)`. At time `now` the window holds
 * the buckets `floor(now / width) - buckets + 1 … floor(now / width)`, so every sample that
 * counts is less than `size` ms old (B4). Rotation goes by elapsed time and clears every bucket
 * skipped since the last call, however long the idle gap was.
 */
export class TimeWindowPolicy implements FailurePolicy {
  private readonly width: number;
  private readonly calls: Float64Array;
  private readonly fails: Float64Array;
  private readonly slows: Float64Array;
  private current = Number.NEGATIVE_INFINITY;
  private totalCalls = 0;
  private totalFailures = 0;
  private totalSlow = 0;

  constructor(
    size: number,
    private readonly buckets: number,
    private readonly rule: RateRule,
  ) {
    this.width = size / buckets;
    this.calls = new Float64Array(buckets);
    this.fails = new Float64Array(buckets);
    this.slows = new Float64Array(buckets);
  }

  private rotate(now: number): number {
    const index = Math.floor(now / this.width);
    if (index > this.current) {
      const skipped = Math.min(index - this.current, this.buckets);
      for (let k = 1; k <= skipped; k++) {
        const slot = this.slot(
          this.current === Number.NEGATIVE_INFINITY ? index - k + 1 : this.current + k,
        );
        this.totalCalls -= this.calls[slot]!;
        this.totalFailures -= this.fails[slot]!;
        this.totalSlow -= this.slows[slot]!;
        this.calls[slot] = 0;
        this.fails[slot] = 0;
        this.slows[slot] = 0;
      }
      this.current = index;
    }
    return this.slot(this.current);
  }

  private slot(index: number): number {
    const m = index % this.buckets;
    return m < 0 ? m + this.buckets : m;
  }

  record(failed: boolean, slow: boolean, now: number): void {
    const slot = this.rotate(now);
    this.calls[slot]!++;
    this.totalCalls++;
    if (failed) {
      this.fails[slot]!++;
      this.totalFailures++;
    }
    if (slow) {
      this.slows[slot]!++;
      this.totalSlow++;
    }
  }

  shouldOpen(now: number): boolean {
    this.rotate(now);
    return rateExceeded(this.rule, this.totalCalls, this.totalFailures, this.totalSlow);
  }

  reset(): void {
    this.calls.fill(0);
    this.fails.fill(0);
    this.slows.fill(0);
    this.totalCalls = 0;
    this.totalFailures = 0;
    this.totalSlow = 0;
    this.current = Number.NEGATIVE_INFINITY;
  }

  counts(now: number): { calls: number; failures: number; slow: number } {
    this.rotate(now);
    return { calls: this.totalCalls, failures: this.totalFailures, slow: this.totalSlow };
  }
}
