import { describe, expectTypeOf, it } from 'vitest';
import {
  createSolver,
  type ImageTask,
  type Solution,
  type SolveResult,
  type Solver,
  type SolverError,
  type SolverErrorKind,
  solveStage,
  type Task,
  type TaskType,
} from '../../src/solver/index.js';
import type { Source, Stage } from '../../src/stage.js';

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
      readonly resumed?: boolean;
      readonly submits?: number;
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

describe('solveStage', () => {
  it('is a Stage<Task, SolveResult> whose records narrow on status', () => {
    const solver = createSolver({ apiKey: 'k' });
    const stage = solveStage(solver, { max: 10 });
    expectTypeOf(stage).toMatchTypeOf<Stage<Task, SolveResult>>();
    const use = async () => {
      for await (const record of stage([])) {
        if (record.status === 'solved') {
          expectTypeOf(record.token).toBeString();
          expectTypeOf(record.task).toEqualTypeOf<Task>();
        } else {
          expectTypeOf(record.reason).toEqualTypeOf<SolverError>();
          expectTypeOf(record.kind).toEqualTypeOf<SolverErrorKind>();
        }
      }
    };
    expectTypeOf(use).toBeFunction();
    void solver.close();
  });

  it('keeps a narrower task type through the stage', () => {
    const solver = createSolver({ apiKey: 'k' });
    const stage = solveStage<ImageTask>(solver);
    expectTypeOf<SolveResult<ImageTask>['task']>().toEqualTypeOf<ImageTask>();
    expectTypeOf(stage).parameter(0).toEqualTypeOf<Source<ImageTask>>();
    void solver.close();
  });
});
