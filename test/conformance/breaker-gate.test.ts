import { describe } from 'vitest';
import { breakerGate, circuitBreaker } from '../../src/index.js';
import { registerConformance } from '../helpers/conformance.js';

describe('conformance: breakerGate', () => {
  registerConformance({
    name: 'breakerGate(closed)',
    create: ({ clock }) => breakerGate<number>(circuitBreaker({ failureThreshold: 3, clock })),
    ordered: true,
    bound: 0, // it pulls only when its consumer asks: it holds nothing while the consumer pauses
    badOptions: [
      {
        create: () => breakerGate(circuitBreaker(), { whenIsolated: 'never' as unknown as 'wait' }),
        option: 'whenIsolated',
        value: 'never',
        kind: 'value',
      },
      {
        create: () => breakerGate(circuitBreaker(), 3 as unknown as object),
        option: 'options',
        value: 3,
        kind: 'type',
      },
    ],
  });
});
