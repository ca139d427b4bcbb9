import { describe, expectTypeOf, it } from 'vitest';
import {
  type AdaptiveMapStage,
  adaptiveLimit,
  adaptiveMap,
  aimdLimit,
  fixedLimit,
  kneeLimit,
  type Limit,
  type LimitAlgorithm,
  type LimitController,
  type LimitOutcome,
  type SettledResult,
  type Stage,
} from '../../src/index.js';

describe('adaptiveMap types', () => {
  it('infers the output from fn, unwrapping promises', () => {
    const stage = adaptiveMap(async (x: number) => String(x));
    expectTypeOf(stage).toEqualTypeOf<AdaptiveMapStage<number, string>>();
    expectTypeOf(stage([1, 2])).toEqualTypeOf<AsyncIterableIterator<string>>();
    expectTypeOf(stage).toMatchTypeOf<Stage<number, string>>();
  });

  it('yields settled records with settle: true', () => {
    const stage = adaptiveMap((x: { id: number }) => x.id * 2, { settle: true });
    expectTypeOf(stage).toEqualTypeOf<
      AdaptiveMapStage<{ id: number }, SettledResult<{ id: number }, number>>
    >();
  });

  it('gives fn a signal and classify the value type', () => {
    adaptiveMap(
      (item: string, context) => {
        expectTypeOf(context.signal).toEqualTypeOf<AbortSignal>();
        return item.length;
      },
      {
        classify: (outcome) => {
          expectTypeOf(outcome.value).toEqualTypeOf<number | undefined>();
          expectTypeOf(outcome.latencyMs).toEqualTypeOf<number>();
          return 'success';
        },
      },
    );
    expectTypeOf<LimitOutcome>().toEqualTypeOf<'success' | 'ignore' | 'drop' | 'failure'>();
  });

  it('adaptiveLimit keeps the p-limit call shape', () => {
    const limit = adaptiveLimit();
    expectTypeOf(limit((a: number, b: string) => a + b.length, 1, 'x')).toEqualTypeOf<
      Promise<number>
    >();
    expectTypeOf(limit(async () => 'done')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(limit.concurrency).toEqualTypeOf<number>();
  });

  it('a limit algorithm is not a controller; create() makes one', () => {
    for (const algorithm of [kneeLimit(), aimdLimit(), fixedLimit(4)]) {
      expectTypeOf(algorithm).toEqualTypeOf<LimitAlgorithm>();
      expectTypeOf(algorithm).not.toHaveProperty('onSample');
      expectTypeOf(algorithm).not.toHaveProperty('limit');
      expectTypeOf(algorithm.create).returns.toEqualTypeOf<LimitController>();
    }
    // The old fused type's name still compiles, as the algorithm type.
    expectTypeOf<Limit>().toEqualTypeOf<LimitAlgorithm>();
    // The algorithm option has its own name; `limit` still takes one (deprecated).
    adaptiveMap((x: number) => x, { algorithm: kneeLimit() });
    adaptiveMap((x: number) => x, { limit: kneeLimit() });
    adaptiveLimit({ algorithm: aimdLimit() });
  });
});
