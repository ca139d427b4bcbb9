/**
 * A backoff strategy: how long to wait before the next attempt. One file per strategy in this
 * folder implements it; `retry` accepts any object with this shape. This file imports nothing.
 */
export interface BackoffContext {
  /** How many attempts failed so far (1 before the first retry). */
  attempt: number;
  /** The delay this strategy returned last time (`initialDelay` before the first retry). */
  previousDelay: number;
  /** Base delay in ms. */
  initialDelay: number;
  /** Upper bound in ms; a strategy never returns more. */
  maxDelay: number;
  /** Random source in [0, 1). */
  random: () => number;
}

/** Computes the delay in ms before the next attempt. */
export interface Backoff {
  /** A short name for logs and errors. */
  readonly name: string;
  /** The delay, in `[0, context.maxDelay]`. */
  delay(context: BackoffContext): number;
}

/** The capped exponential `min(maxDelay, initialDelay × 2^(attempt-1))` most strategies start from. */
export function exponentialCap(context: BackoffContext): number {
  // 0 × 2^n would be NaN once 2^n overflows to Infinity (after ~1,000 attempts).
  if (context.initialDelay === 0) return 0;
  return Math.min(context.maxDelay, context.initialDelay * 2 ** (context.attempt - 1));
}
