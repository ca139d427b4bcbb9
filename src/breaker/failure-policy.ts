/**
 * A rule that decides when a closed breaker opens. The breaker feeds it every counted call of
 * the closed state (successes and failures; ignored and overload results never reach it) and
 * asks it after each failure or slow call. This file imports nothing.
 */
export interface FailurePolicy {
  /** Records one counted call at clock time `now`. */
  record(failed: boolean, slow: boolean, now: number): void;
  /** True when the rule says the breaker must open now. */
  shouldOpen(now: number): boolean;
  /** Forgets every sample (on each transition into closed). */
  reset(): void;
  /** Calls, failures and slow calls that currently count (for `stats()`). */
  counts(now: number): { calls: number; failures: number; slow: number };
}

/** Thresholds of the rate rule shared by the count and time windows. */
export interface RateRule {
  readonly failureRate: number;
  readonly slowCallRate: number;
  readonly minimumCalls: number;
}

/** The rate rule: at least `minimumCalls` calls, and a failure or slow-call rate at its threshold. */
export function rateExceeded(
  rule: RateRule,
  calls: number,
  failures: number,
  slow: number,
): boolean {
  if (calls < rule.minimumCalls || calls === 0) return false;
  return failures >= rule.failureRate * calls || slow >= rule.slowCallRate * calls;
}
