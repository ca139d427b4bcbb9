import type { Backoff } from './backoff.js';

/** The same delay every time: `min(initialDelay, maxDelay)`. */
export const constantBackoff: Backoff = {
  name: 'constant',
  delay: ({ initialDelay, maxDelay }) => Math.min(initialDelay, maxDelay),
};
