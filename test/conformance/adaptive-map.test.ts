import { describe, it } from 'vitest';
import { adaptiveMap, fixedLimit } from '../../src/index.js';
import { conformanceChecks } from '../../src/testing/index.js';

/** A call that finishes after a random number of microtask turns, so completions interleave. */
async function jittered(x: number): Promise<number> {
  for (let i = (x * 7) % 4; i > 0; i--) await null;
  return x;
}

describe('conformance: adaptiveMap', () => {
  for (const ordered of [false, true]) {
    for (const limit of [1, 4]) {
      for (const check of conformanceChecks({
        name: `adaptiveMap({ limit: fixedLimit(${limit}), ordered: ${ordered} })`,
        create: ({ clock }) => adaptiveMap(jittered, { limit: fixedLimit(limit), ordered, clock }),
        ordered,
      })) {
        it(check.name, check.run);
      }
    }
    for (const check of conformanceChecks({
      name: `adaptiveMap(sync fn, default kneeLimit, ordered: ${ordered})`,
      create: ({ clock }) => adaptiveMap((x: number) => x, { ordered, clock }),
      ordered,
    })) {
      it(check.name, check.run);
    }
    for (const check of conformanceChecks({
      name: `adaptiveMap(settle: true, ordered: ${ordered})`,
      create: ({ clock }) => adaptiveMap(jittered, { settle: true, ordered, initial: 3, clock }),
      inputOf: (record) => (record as { item: number }).item,
      ordered,
    })) {
      it(check.name, check.run);
    }
  }
});
