import { pipe } from 'it-pipe';
import { describe, expectTypeOf, it } from 'vitest';
import {
  breakerGate,
  type CircuitBreaker,
  circuitBreaker,
  compose,
  rateLimit,
  rateLimiter,
  retry,
  type Stage,
} from '../../src/index.js';

interface Task {
  id: string;
}

describe('breakerGate / rateLimit / retry types', () => {
  it('are Stage<T, T> and compose with their item type inferred', () => {
    const gate = breakerGate<Task>(circuitBreaker());
    const limit = rateLimit<Task>({ rate: 10, interval: 1_000 });
    expectTypeOf(gate).toExtend<Stage<Task, Task>>();
    expectTypeOf(limit).toExtend<Stage<Task, Task>>();
    expectTypeOf(gate.breaker).toEqualTypeOf<CircuitBreaker>();
    const both = compose(limit, gate);
    expectTypeOf(both).toEqualTypeOf<Stage<Task, Task>>();
    const out = pipe([{ id: 'a' }], limit, gate);
    expectTypeOf(out).toEqualTypeOf<AsyncIterable<Task>>();
  });

  it('wrap keeps function signatures', () => {
    const limit = rateLimit<Task>({ rate: 10, interval: 1_000 });
    const submit = limit.limiter.wrap(async (task: Task) => task.id);
    expectTypeOf(submit).toEqualTypeOf<(task: Task) => Promise<string>>();
    const viaLimiter = rateLimiter({ rate: 1, interval: 1 }).wrap((n: number) => n * 2);
    expectTypeOf(viaLimiter).toEqualTypeOf<(n: number) => Promise<number>>();
    // @ts-expect-error one way to wrap a function: the limiter's `wrap`, not the stage's
    limit.wrap;
    // @ts-expect-error nor a static `rateLimit.wrap`
    rateLimit.wrap;
  });

  it('retry resolves to the awaited result and types its context', () => {
    const r = retry(async ({ attempt, signal }) => {
      expectTypeOf(attempt).toEqualTypeOf<number>();
      expectTypeOf(signal).toEqualTypeOf<AbortSignal | undefined>();
      return 'token';
    });
    expectTypeOf(r).toEqualTypeOf<Promise<string>>();
    // @ts-expect-error: unknown strategy name
    retry(() => 1, { backoff: 'linear' });
  });
});
