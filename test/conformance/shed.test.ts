import { describe } from 'vitest';
import { shed } from '../../src/index.js';
import { registerConformance } from '../helpers/conformance.js';

describe('conformance: shed', () => {
  for (const order of ['fifo', 'priority'] as const) {
    for (const capacity of [1, 8]) {
      registerConformance({
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
        bound: capacity, // it pulls without waiting, but holds at most `capacity` items
        badOptions: [
          { create: () => shed({ capacity: 0 }), option: 'capacity', value: 0, kind: 'value' },
          {
            create: () => shed({ capacity: 2, order: 'lifo' as unknown as 'fifo' }),
            option: 'order',
            value: 'lifo',
            kind: 'value',
          },
          {
            create: () => shed({ capacity: 2, priority: 3 as unknown as () => number }),
            option: 'priority',
            value: 3,
            kind: 'type',
          },
        ],
      });
    }
  }
});
