import { describe } from 'vitest';
import { rateLimit } from '../../src/index.js';
import { registerConformance } from '../helpers/conformance.js';

describe('conformance: rateLimit', () => {
  // A rate that never waits, and one with a small burst that waits (real time, ~1 ms per item).
  for (const [label, options] of [
    ['never waits', { rate: 1e9, interval: 1, burst: 1000 }],
    ['waits', { rate: 1, interval: 0.05, burst: 4 }],
  ] as const) {
    registerConformance({
      name: `rateLimit(${label})`,
      create: ({ clock }) => rateLimit<number>({ ...options, clock }),
      ordered: true,
      numRuns: 20,
      bound: 0, // lossless and pull-based: it holds nothing while its consumer pauses
      badOptions: [
        {
          create: () => rateLimit({ rate: 0, interval: 1 }),
          option: 'rate',
          value: 0,
          kind: 'value',
        },
        {
          create: () => rateLimit({ rate: 1, interval: -1 }),
          option: 'interval',
          value: -1,
          kind: 'value',
        },
        {
          create: () => rateLimit({ rate: 1, interval: 1, burst: 0 }),
          option: 'burst',
          value: 0,
          kind: 'value',
        },
      ],
    });
  }
});
