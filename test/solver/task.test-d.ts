import { describe, expectTypeOf, it } from 'vitest';
import {
  createSolver,
  type ImageTask,
  type Solution,
  type Solver,
  type SolverError,
  type SolverErrorKind,
  type Task,
  type TaskType,
} from '../../src/solver/index.js';

describe('Task', () => {
  it('is a union discriminated on type', () => {
    expectTypeOf<TaskType>().toEqualTypeOf<
      'recaptcha-v2' | 'recaptcha-v3' | 'hcaptcha' | 'turnstile' | 'image'
    >();
    const narrow = (task: Task) => {
      if (task.type === 'image') expectTypeOf(task).toEqualTypeOf<ImageTask>();
      if (task.type === 'recaptcha-v3')
        expectTypeOf(task.minScore).toEqualTypeOf<number | undefined>();
      if (task.type === 'turnstile') expectTypeOf(task.sitekey).toBeString();
    };
    expectTypeOf(narrow).toBeFunction();
  });

  it('rejects missing fields and unknown types at compile time', () => {
    // @ts-expect-error sitekey is required
    const a: Task = { type: 'hcaptcha', pageurl: 'https://a.example' };
    // @ts-expect-error unknown type
    const b: Task = { type: 'funcaptcha', sitekey: 'k', pageurl: 'https://a.example' };
    // @ts-expect-error an image task has no sitekey
    const c: Task = { type: 'image', body: 'AAAA', sitekey: 'k' };
    void [a, b, c];
    const ok: Task = { type: 'image', body: 'AAAA', id: 3, priority: 1 };
    void ok;
  });
});

describe('Solver', () => {
  it('solve resolves a Solution', () => {
    const solver = createSolver({ apiKey: 'k' });
    expectTypeOf(solver).toEqualTypeOf<Solver>();
    expectTypeOf(solver.solve).returns.resolves.toEqualTypeOf<Solution>();
    expectTypeOf<Solution>().toEqualTypeOf<{
      readonly id: string;
      readonly token: string;
      readonly elapsedMs: number;
      readonly polls: number;
    }>();
    expectTypeOf(solver.balance).returns.resolves.toBeNumber();
    expectTypeOf(solver.report).parameter(1).toEqualTypeOf<'good' | 'bad'>();
    void solver.close();
  });

  it('errors carry a kind', () => {
    expectTypeOf<SolverError['kind']>().toEqualTypeOf<SolverErrorKind>();
    expectTypeOf<SolverError['retryAfter']>().toEqualTypeOf<number | undefined>();
  });
});
