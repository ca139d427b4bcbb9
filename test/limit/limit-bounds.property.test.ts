import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adaptiveMap,
  aimdLimit,
  InvalidOptionValueError,
  kneeLimit,
  type LimitBounds,
} from '../../src/index.js';
import { parseLimitBounds } from '../../src/limit/limit-bounds.js';
import { solveStage } from '../../src/solver/index.js';

type Partial3 = { min?: number; max?: number; initial?: number };
const KEYS = ['min', 'max', 'initial'] as const;

/** Each bound absent or a small integer, so that conflicts and bad orders both come up. */
const partialBoundsArb = fc.record(
  {
    min: fc.integer({ min: 1, max: 12 }),
    max: fc.integer({ min: 1, max: 12 }),
    initial: fc.integer({ min: 1, max: 12 }),
  },
  { requiredKeys: [] },
);

/** The rule written out: one value per bound, stage first, then the documented defaults. */
function model(stage: Partial3, algorithm: Partial3, defaultMax: number) {
  for (const key of KEYS) {
    const a = stage[key];
    const b = algorithm[key];
    if (a !== undefined && b !== undefined && a !== b) return { conflict: key } as const;
  }
  const min = stage.min ?? algorithm.min ?? 1;
  const max = stage.max ?? algorithm.max ?? Math.max(defaultMax, min);
  const initial = stage.initial ?? algorithm.initial ?? Math.min(max, Math.max(min, 4));
  if (max < min || initial < min || initial > max) return { invalid: true } as const;
  return { bounds: { min, max, initial } satisfies LimitBounds } as const;
}

/** The deprecated bounds an algorithm factory accepts on its own (each consistent). */
function validAlone(b: Partial3): boolean {
  const low = b.min ?? 1;
  return (b.max ?? low) >= low && (b.initial ?? low) >= low && (b.initial ?? 0) <= (b.max ?? 99);
}

describe('limit bounds: one home, conflicts rejected', () => {
  it('B1: a bound set in two places agrees or throws naming both; otherwise the stage gets the merged bounds', () => {
    fc.assert(
      fc.property(
        partialBoundsArb,
        partialBoundsArb.filter(validAlone),
        fc.constantFrom(50, 100),
        (stage, own, defaultMax) => {
          const algorithm = aimdLimit(own);
          const expected = model(stage, own, defaultMax);
          const parse = () =>
            parseLimitBounds(stage, { defaultMax, algorithm, algorithmOption: 'algorithm' });
          if ('conflict' in expected) {
            const key = expected.conflict;
            expect(parse).toThrow(InvalidOptionValueError);
            expect(parse).toThrow(
              `Expected \`algorithm.${key}\` to be left out or the same as \`${key}\` (${stage[key]})`,
            );
            return;
          }
          if ('invalid' in expected) {
            expect(parse).toThrow(InvalidOptionValueError);
            return;
          }
          expect(parse()).toEqual(expected.bounds);
          if (defaultMax === 100) {
            // The stage creates its controller with exactly these bounds, and create() agrees.
            const stageOf = adaptiveMap(async (x: number) => x, { ...stage, algorithm });
            expect(stageOf.stats().limit).toBe(expected.bounds.initial);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('limit bounds: solveStage shares the parser', () => {
  const solver = { solve: async () => ({ token: 't' }) } as unknown as Parameters<
    typeof solveStage
  >[0];

  it('honours the algorithm bounds, defaults max to 50, and rejects a conflict', () => {
    expect(solveStage(solver, { limit: kneeLimit({ max: 3 }) }).stats().limit).toBe(3);
    expect(solveStage(solver, {}).stats().limit).toBe(4);
    expect(() => solveStage(solver, { initial: 51 })).toThrow(
      /`initial` to be an integer from 1 to 50/,
    );
    expect(() => solveStage(solver, { max: 4, limit: kneeLimit({ max: 3 }) })).toThrow(
      'Expected `limit.max` to be left out or the same as `max` (4); bounds belong on the stage, got 3',
    );
  });
});
