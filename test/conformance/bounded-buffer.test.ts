import { describe, it } from 'vitest';
import { boundedBuffer } from '../../src/index.js';
import { conformanceChecks } from '../../src/testing/index.js';

describe('conformance: boundedBuffer', () => {
  for (const highWaterMark of [1, 4, 64]) {
    for (const check of conformanceChecks({
      name: `boundedBuffer(${highWaterMark})`,
      create: ({ clock }) => boundedBuffer<number>({ highWaterMark, clock }),
      ordered: true,
    })) {
      it(check.name, check.run);
    }
  }
});
