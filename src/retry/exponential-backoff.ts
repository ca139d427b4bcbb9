import { type Backoff, exponentialCap } from './backoff.js';

/** Exponential backoff without jitter: `min(maxDelay, initialDelay × 2^(attempt-1))`. Prefer a jittered one when many clients retry at once. */
export const exponentialBackoff: Backoff = {
  name: 'exponential',
  delay: exponentialCap,
};
