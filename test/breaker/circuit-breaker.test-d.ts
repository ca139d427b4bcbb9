import { describe, expectTypeOf, it } from 'vitest';
import {
  type BreakerSnapshot,
  type CircuitState,
  circuitBreaker,
  type IsolationHandle,
  type StateChange,
} from '../../src/index.js';

describe('circuitBreaker types', () => {
  it('wrap keeps the signature, with a promise of the awaited result', () => {
    const breaker = circuitBreaker();
    const solve = breaker.wrap(
      async (task: { id: string }, timeoutMs: number) => task.id.length + timeoutMs,
    );
    expectTypeOf(solve).parameters.toEqualTypeOf<[{ id: string }, number]>();
    expectTypeOf(solve).returns.toEqualTypeOf<Promise<number>>();
    const sync = breaker.wrap((x: string) => x.toUpperCase());
    expectTypeOf(sync).returns.toEqualTypeOf<Promise<string>>();
  });

  it('execute passes a signal and returns the result', () => {
    const breaker = circuitBreaker();
    const result = breaker.execute(async ({ signal }) => {
      expectTypeOf(signal).toEqualTypeOf<AbortSignal | undefined>();
      return 42 as const;
    });
    expectTypeOf(result).toEqualTypeOf<Promise<42>>();
  });

  it('state, events and snapshots are typed', () => {
    const breaker = circuitBreaker({ initialState: { state: 'open', remainingMs: 10, opens: 1 } });
    expectTypeOf(breaker.state).toEqualTypeOf<CircuitState>();
    expectTypeOf(breaker.onStateChange).parameter(0).parameter(0).toEqualTypeOf<CircuitState>();
    expectTypeOf(breaker.onStateChange).parameter(0).parameter(1).toEqualTypeOf<StateChange>();
    expectTypeOf(breaker.onStateChange(() => {})).toEqualTypeOf<() => void>();
    expectTypeOf(breaker.toJSON()).toEqualTypeOf<BreakerSnapshot>();
    // @ts-expect-error: not a state
    circuitBreaker({ initialState: { state: 'half-open', remainingMs: 0, opens: 0 } });
    // @ts-expect-error: not a classification
    circuitBreaker({ isFailure: () => 'maybe' });
  });
});

describe('circuitBreaker public type', () => {
  it('isolate() returns a disposable handle; internal coupling is not on the type', () => {
    const breaker = circuitBreaker();
    expectTypeOf(breaker.isolate()).toEqualTypeOf<IsolationHandle>();
    expectTypeOf(breaker.isolate().dispose).toEqualTypeOf<() => void>();
    // @ts-expect-error the gate's reservation is internal
    breaker.reserveTrial;
    // @ts-expect-error the clock is internal
    breaker.clock;
    // @ts-expect-error read the generation from stats()
    breaker.generation;
  });
});
