import { describe } from 'vitest';
import { boundedBuffer } from '../../src/index.js';
import { registerConformance } from '../helpers/conformance.js';

describe('conformance: boundedBuffer', () => {
  for (const highWaterMark of [1, 4, 64]) {
    registerConformance({
      name: `boundedBuffer(${highWaterMark})`,
      create: ({ clock }) => boundedBuffer<number>({ highWaterMark, clock }),
      ordered: true,
      bound: highWaterMark, // it reads ahead up to highWaterMark items
      badOptions: [
        { create: () => boundedBuffer(0), option: 'highWaterMark', value: 0, kind: 'value' },
        {
          create: () => boundedBuffer({ highWaterMark: 1.5 }),
          option: 'highWaterMark',
          value: 1.5,
          kind: 'value',
        },
        {
          create: () => boundedBuffer({ highWaterMark: '4' as unknown as number }),
          option: 'highWaterMark',
          value: '4',
          kind: 'type',
        },
      ],
    });
  }
});
