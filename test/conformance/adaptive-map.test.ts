import { describe } from 'vitest';
import { adaptiveMap, fixedLimit } from '../../src/index.js';
import type { ConformanceBadOption } from '../../src/testing/index.js';
import { registerConformance } from '../helpers/conformance.js';

/** A call that finishes after a random number of microtask turns, so completions interleave. */
async function jittered(x: number): Promise<number> {
  for (let i = (x * 7) % 4; i > 0; i--) await null;
  return x;
}

const badOptions: ConformanceBadOption[] = [
  {
    create: () => adaptiveMap(3 as unknown as (x: number) => number),
    option: 'fn',
    value: 3,
    kind: 'type',
  },
  {
    create: () => adaptiveMap(jittered, { ordered: 'yes' as unknown as boolean }),
    option: 'ordered',
    value: 'yes',
    kind: 'type',
  },
  {
    create: () => adaptiveMap(jittered, { dropRetries: -1 }),
    option: 'dropRetries',
    value: -1,
    kind: 'value',
  },
  { create: () => adaptiveMap(jittered, { max: 0 }), option: 'max', value: 0, kind: 'value' },
];

describe('conformance: adaptiveMap', () => {
  for (const ordered of [false, true]) {
    for (const limit of [1, 4]) {
      registerConformance({
        name: `adaptiveMap({ limit: fixedLimit(${limit}), ordered: ${ordered} })`,
        create: ({ clock }) => adaptiveMap(jittered, { limit: fixedLimit(limit), ordered, clock }),
        ordered,
        // It pulls only while fewer than `limit` calls run and fewer than `limit` finished
        // results wait for the consumer: at most `limit` running plus `limit - 1` finished.
        bound: 2 * limit - 1,
        badOptions,
      });
    }
    // The default kneeLimit moves its limit during a run, so these two declare no bound (the
    // bound check is reported skipped); the fixedLimit subjects above check it.
    registerConformance({
      name: `adaptiveMap(sync fn, default kneeLimit, ordered: ${ordered})`,
      create: ({ clock }) => adaptiveMap((x: number) => x, { ordered, clock }),
      ordered,
      badOptions,
    });
    registerConformance({
      name: `adaptiveMap(settle: true, ordered: ${ordered})`,
      create: ({ clock }) => adaptiveMap(jittered, { settle: true, ordered, initial: 3, clock }),
      inputOf: (record) => (record as { item: number }).item,
      ordered,
      badOptions,
    });
  }
});
