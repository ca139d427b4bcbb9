import { describe, expect, it } from 'vitest';
import { InvalidIteratorResultError, InvalidSourceError } from '../../src/errors.js';
import { solveStage } from '../../src/solver/solve-stage.js';
import type { Task } from '../../src/solver/task.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { fakeSolver, imageTasks } from './fake-solver.js';

/** Runs `iterable` to its end under `clock`, firing timers until it settles. */
async function drain<T>(clock: VirtualClock, iterable: AsyncIterable<T>) {
  const records: T[] = [];
  let error: unknown;
  let done = false;
  const consume = (async () => {
    try {
      for await (const record of iterable) records.push(record);
    } catch (e) {
      error = e;
    } finally {
      done = true;
    }
  })();
  while (!done) {
    const at = clock.nextTimerAt();
    if (at === undefined) await new Promise((r) => setImmediate(r));
    else await clock.advance(Math.max(0, at - clock.now()));
  }
  await consume;
  return { records, error };
}

/** A source that yields `tasks`, then gives `bad` from next(); records whether it was returned. */
function malformedAfter(tasks: Task[], bad: unknown) {
  const state = { returned: false };
  let i = 0;
  const iterable: AsyncIterable<Task> = {
    [Symbol.asyncIterator]: () => ({
      next: async () =>
        (i < tasks.length ? { done: false, value: tasks[i++] } : bad) as IteratorResult<Task>,
      return: async () => {
        state.returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  return { iterable, state };
}

describe('solveStage reads its source like every stage', () => {
  it('refuses a non-iterable source with InvalidSourceError when called', () => {
    const clock = new VirtualClock();
    const stage = solveStage(
      fakeSolver(clock, () => ({ ms: 10 })),
      { clock, rateLimit: false },
    );
    for (const bad of [null, undefined, 42, {}, 'x'.length]) {
      expect(() => stage(bad as never)).toThrow(InvalidSourceError);
    }
  });

  it.each([null, 42, 'result', undefined])(
    'a next() that gives %p: the tasks before it get records, then a typed error; the source is returned',
    async (bad) => {
      const clock = new VirtualClock();
      const stage = solveStage(
        fakeSolver(clock, () => ({ ms: 10 })),
        {
          clock,
          rateLimit: false,
        },
      );
      const { iterable, state } = malformedAfter(imageTasks(2), bad);
      const { records, error } = await drain(clock, stage(iterable));
      expect(error).toBeInstanceOf(InvalidIteratorResultError);
      expect((error as InvalidIteratorResultError).stage).toBe('solveStage');
      expect(records.length).toBeLessThanOrEqual(2);
      expect(state.returned).toBe(true);
      expect(clock.pendingTimers).toBe(0);
    },
  );
});
