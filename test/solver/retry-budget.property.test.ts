import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { nextAttempt } from '../../src/solver/retry-budget.js';
import { type SolveResult, solveStage } from '../../src/solver/solve-stage.js';
import { isSolverError, SolverError } from '../../src/solver/solver-error.js';
import { driveClock } from '../../src/testing/drive-clock.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { fakeSolver, imageTasks, type Outcome } from './fake-solver.js';

/** What one `solve()` call of a task answers; after its script a task's calls succeed. */
type Step = 'ok' | 'transient' | 'unsolvable' | 'overload' | 'rate-limited' | 'fatal-item';

interface Budgets {
  readonly retries: number;
  readonly resubmitUnsolvable: number;
  readonly overloadRetries: number;
}

interface Expected {
  readonly status: 'solved' | 'failed';
  readonly kind: string | undefined;
  readonly attempts: number;
  readonly retries: number;
  readonly resubmits: number;
  readonly overloads: number;
}

/**
 * The reference, written from the rule in `docs/solver.md` (not from the code): each kind has
 * its own budget per task, spent over the task's whole life and never refilled; a call whose
 * kind has budget left is followed by another call, any other failure ends the task.
 */
function expectedFor(script: readonly Step[], b: Budgets): Expected {
  let retries = 0;
  let resubmits = 0;
  let overloads = 0;
  for (let call = 0; ; call++) {
    const step = script[call] ?? 'ok';
    const attempts = call + 1;
    const end = (kind: string | undefined): Expected => ({
      status: kind === undefined ? 'solved' : 'failed',
      kind,
      attempts,
      retries,
      resubmits,
      overloads,
    });
    if (step === 'ok') return end(undefined);
    if (step === 'transient') {
      if (retries === b.retries) return end(step);
      retries++;
    } else if (step === 'unsolvable') {
      if (resubmits === b.resubmitUnsolvable) return end(step);
      resubmits++;
    } else if (step === 'overload' || step === 'rate-limited') {
      overloads++;
      // overloads counts every such answer; all but the last within the budget are retried
      if (overloads > b.overloadRetries) return end(step);
    } else {
      return end(step);
    }
  }
}

const step = fc.constantFrom<Step>(
  'ok',
  'transient',
  'unsolvable',
  'overload',
  'rate-limited',
  'fatal-item',
);

function outcomeOf(s: Step): Outcome {
  if (s === 'ok') return { ms: 1_000 };
  return s === 'rate-limited' ? { ms: 10, fail: s, retryAfter: 2_000 } : { ms: 10, fail: s };
}

describe('solveStage retry budgets', () => {
  test.prop(
    [
      fc.array(fc.array(step, { maxLength: 8 }), { minLength: 1, maxLength: 6 }),
      fc.record({
        retries: fc.integer({ min: 0, max: 3 }),
        resubmitUnsolvable: fc.integer({ min: 0, max: 3 }),
        overloadRetries: fc.integer({ min: 0, max: 3 }),
      }),
      fc.integer({ min: 1, max: 5 }), // the breaker's failureThreshold: opening it only makes calls wait
    ],
    { numRuns: 100 },
  )(
    'attempts and counters follow one budget per kind, per task, whatever the order of answers',
    async (scripts, budgets, failureThreshold) => {
      const clock = new VirtualClock();
      const solver = fakeSolver(clock, (task, attempt) =>
        outcomeOf(scripts[Number(task.id)]![attempt - 1] ?? 'ok'),
      );
      const stage = solveStage(solver, {
        clock,
        rateLimit: false,
        random: () => 0.5,
        ...budgets,
        breaker: { failureThreshold, resetTimeout: 5_000 },
      });
      const records = await driveClock(
        clock,
        (async () => {
          const out: SolveResult[] = [];
          for await (const r of stage(imageTasks(scripts.length))) out.push(r);
          return out;
        })(),
      );
      expect(records).toHaveLength(scripts.length);
      const total = { retries: 0, resubmits: 0, overloads: 0, submits: 0 };
      for (const record of records) {
        const id = Number(record.task.id);
        const want = expectedFor(scripts[id]!, budgets);
        expect({
          status: record.status,
          kind: record.status === 'failed' ? record.kind : undefined,
          attempts: record.attempts,
        }).toEqual({ status: want.status, kind: want.kind, attempts: want.attempts });
        // counted from the solver's own log of calls, not from the stage
        expect(solver.calls.get(id)).toBe(record.attempts);
        total.retries += want.retries;
        total.resubmits += want.resubmits;
        total.overloads += want.overloads;
        total.submits += want.attempts;
      }
      expect(stage.stats()).toMatchObject({ ...total, inFlight: 0 });
      expect(clock.nextTimerAt()).toBeUndefined();
    },
  );
});

describe('nextAttempt', () => {
  const budget = {
    retries: 2,
    resubmitUnsolvable: 1,
    retryDelay: 1_000,
    maxRetryDelay: 30_000,
    random: () => 0.5,
  };
  const error = (kind: 'transient' | 'unsolvable' | 'overload', retryAfter?: number) =>
    new SolverError({ kind, message: kind, retryAfter });

  it('transient: full-jitter backoff from retryDelay, at least retryAfter, while budget is left', () => {
    expect(nextAttempt(error('transient'), { retries: 0, resubmits: 0 }, budget)).toEqual({
      spends: 'retries',
      delay: 500,
    });
    expect(nextAttempt(error('transient'), { retries: 1, resubmits: 0 }, budget)).toEqual({
      spends: 'retries',
      delay: 1_000,
    });
    expect(nextAttempt(error('transient', 5_000), { retries: 1, resubmits: 0 }, budget)).toEqual({
      spends: 'retries',
      delay: 5_000,
    });
    expect(nextAttempt(error('transient'), { retries: 2, resubmits: 0 }, budget)).toBeUndefined();
  });

  it('unsolvable: an immediate resubmit while budget is left', () => {
    expect(nextAttempt(error('unsolvable'), { retries: 2, resubmits: 0 }, budget)).toEqual({
      spends: 'resubmits',
      delay: 0,
    });
    expect(nextAttempt(error('unsolvable'), { retries: 0, resubmits: 1 }, budget)).toBeUndefined();
  });

  it('overload and anything else leave the loop (overload goes to the limit as a drop)', () => {
    expect(nextAttempt(error('overload'), { retries: 0, resubmits: 0 }, budget)).toBeUndefined();
    expect(nextAttempt(new Error('x'), { retries: 0, resubmits: 0 }, budget)).toBeUndefined();
    expect(isSolverError(error('overload'), 'overload')).toBe(true);
  });
});
