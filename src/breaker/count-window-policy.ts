import { type FailurePolicy, type RateRule, rateExceeded } from './failure-policy.js';

const FAILED = 1;
const SLOW = 2;

/** The rate rule over the last `size` counted calls, kept in a ring with running sums. */
export class CountWindowPolicy implements FailurePolicy {
  private readonly ring: Uint8Array;
  private head = 0;
  private calls = 0;
  private failures = 0;
  private slow = 0;

  constructor(
    size: number,
    private readonly rule: RateRule,
  ) {
    this.ring = new Uint8Array(size);
  }

  record(failed: boolean, slow: boolean): void {
    const size = this.ring.length;
    if (this.calls === size) {
      // The oldest sample leaves the window.
      const old = this.ring[this.head]!;
      if (old & FAILED) this.failures--;
      if (old & SLOW) this.slow--;
    } else {
      this.calls++;
    }
    this.ring[this.head] = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    this.head = (this.head + 1) % size;
    if (failed) this.failures++;
    if (slow) this.slow++;
  }

  shouldOpen(): boolean {
    return rateExceeded(this.rule, this.calls, this.failures, this.slow);
  }

  reset(): void {
    this.ring.fill(0);
    this.head = 0;
    this.calls = 0;
    this.failures = 0;
    this.slow = 0;
  }

  counts(): { calls: number; failures: number; slow: number } {
    return { calls: this.calls, failures: this.failures, slow: this.slow };
  }
}
