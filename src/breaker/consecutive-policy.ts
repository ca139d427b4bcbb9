import type { FailurePolicy } from './failure-policy.js';

/** Opens after `threshold` counted failures in a row; any success starts the count again. */
export class ConsecutivePolicy implements FailurePolicy {
  private consecutive = 0;

  constructor(private readonly threshold: number) {}

  record(failed: boolean): void {
    this.consecutive = failed ? this.consecutive + 1 : 0;
  }

  shouldOpen(): boolean {
    return this.consecutive >= this.threshold;
  }

  reset(): void {
    this.consecutive = 0;
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.consecutive;
  }

  counts(): { calls: number; failures: number; slow: number } {
    return { calls: this.consecutive, failures: this.consecutive, slow: 0 };
  }
}
