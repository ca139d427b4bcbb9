import { describe, expectTypeOf, it } from 'vitest';
import {
  type MockFaultKind,
  type MockSolver,
  type MockSolverOptions,
  type MockSolverPatch,
  type MockSolverState,
  type MockTaskType,
  startMockSolver,
} from '../../src/mock/index.js';
import type { TaskType } from '../../src/solver/index.js';

describe('backpressure-kit/mock types', () => {
  it('startMockSolver takes optional options and resolves to a MockSolver', () => {
    expectTypeOf(startMockSolver).parameter(0).toEqualTypeOf<MockSolverOptions | undefined>();
    expectTypeOf(startMockSolver).returns.resolves.toEqualTypeOf<MockSolver>();
    expectTypeOf<MockSolver['state']>().returns.toEqualTypeOf<MockSolverState>();
    expectTypeOf<MockSolver['close']>().returns.toEqualTypeOf<Promise<void>>();
  });

  it('names task types exactly as the solver client does', () => {
    expectTypeOf<MockTaskType>().toEqualTypeOf<TaskType>();
  });

  it('accepts latency as a number, a distribution, or a table by task type', () => {
    expectTypeOf<{ latency: 0 }>().toMatchTypeOf<MockSolverOptions>();
    expectTypeOf<{
      latency: { distribution: 'lognormal'; median: 1; p95: 2 };
    }>().toMatchTypeOf<MockSolverOptions>();
    expectTypeOf<{
      latency: { image: 5; 'recaptcha-v2': 10 };
    }>().toMatchTypeOf<MockSolverOptions>();
    expectTypeOf<{ latency: { captcha: 5 } }>().not.toMatchTypeOf<MockSolverOptions>();
  });

  it('patches remove keys with null and cannot move the server', () => {
    expectTypeOf<{ keys: { k: null } }>().toMatchTypeOf<MockSolverPatch>();
    expectTypeOf<MockSolverPatch>().not.toHaveProperty('port');
    expectTypeOf<MockSolverPatch>().not.toHaveProperty('clock');
  });

  it('faults are a closed set of kinds', () => {
    expectTypeOf<'hang'>().toMatchTypeOf<MockFaultKind>();
    expectTypeOf<'explode'>().not.toMatchTypeOf<MockFaultKind>();
    expectTypeOf<MockSolverState['faults']>().toEqualTypeOf<
      Readonly<Partial<Record<MockFaultKind, number>>>
    >();
  });
});
