import { describe, it } from 'vitest';
import { rateLimit } from '../../src/index.js';
import { conformanceChecks } from '../../src/testing/index.js';

describe('conformance: rateLimit', () => {
  // A rate that never waits, and one with a small burst that waits (real time, ~1 ms per item).
  for (const [label, options] of [
    ['never waits', { rate: 1e9, interval: 1, burst: 1000 }],
    ['waits', { rate: 1, interval: 0.05, burst: 4 }],
  ] as const) {
    for (const check of conformanceChecks({
      name: `rateLimit(${label})`,
      create: ({ clock }) => rateLimit<number>({ ...options, clock }),
      ordered: true,
      numRuns: 20,
    })) {
      it(check.name, check.run);
    }
  }
});
