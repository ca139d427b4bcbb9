import { describe, it } from 'vitest';
import { breakerGate, circuitBreaker } from '../../src/index.js';
import { conformanceChecks } from '../../src/testing/index.js';

describe('conformance: breakerGate', () => {
  for (const check of conformanceChecks({
    name: 'breakerGate(closed)',
    create: ({ clock }) => breakerGate<number>(circuitBreaker({ failureThreshold: 3, clock })),
    ordered: true,
  })) {
    it(check.name, check.run);
  }
});
