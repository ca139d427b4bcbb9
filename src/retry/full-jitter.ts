import { type Backoff, exponentialCap } from './backoff.js';

/**
 * Full jitter (AWS): a uniform delay in `[0, min(maxDelay, initialDelay × 2^(attempt-1)))`.
 * Makes the fewest calls of the jittered strategies under contention; `retry`'s default.
 */
export const fullJitterBackoff: Backoff = {
  name: 'full-jitter',
  delay: (context) => context.random() * exponentialCap(context),
};
