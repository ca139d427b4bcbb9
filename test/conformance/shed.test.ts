import { describe, it } from 'vitest';
import { shed } from '../../src/index.js';
import { conformanceChecks } from '../../src/testing/index.js';

describe('conformance: shed', () => {
  for (const order of ['fifo', 'priority'] as const) {
    for (const capacity of [1, 8]) {
      for (const check of conformanceChecks({
        name: `shed({ capacity: ${capacity}, order: '${order}' })`,
        create: ({ onDrop }) =>
          shed<number>({
            capacity,
            order,
            // Priorities vary so eviction happens; fifo keeps order among kept items.
            priority: order === 'fifo' ? () => 0 : (x) => x % 3,
            onDrop: (item, reason) => {
              if (reason !== 'discarded') onDrop(item);
            },
          }),
        ordered: order === 'fifo',
        lossy: true,
      })) {
        it(check.name, check.run);
      }
    }
  }
});
