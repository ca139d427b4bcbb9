import type { Backoff } from './backoff.js';

/**
 * Decorrelated jitter (AWS): `min(maxDelay, U[initialDelay, 3 × previousDelay])`, starting
 * from `previousDelay = initialDelay`. Finishes a little sooner than full jitter under
 * contention but makes more calls.
 */
export const decorrelatedJitterBackoff: Backoff = {
  name: 'decorrelated',
  delay: ({ initialDelay, maxDelay, previousDelay, random }) => {
    const high = Math.max(initialDelay, 3 * previousDelay);
    return Math.min(maxDelay, initialDelay + random() * (high - initialDelay));
  },
};
