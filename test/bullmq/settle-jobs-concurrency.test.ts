/**
 * `settleJobs` settling several jobs at once and pulling its job source ahead of the stage,
 * with fake jobs (no Redis) whose settles the test resolves by hand: the order records come
 * in, the read-ahead bound, early exit with a record pull in flight, abort with settles in
 * flight, and option validation.
 */
import { describe, expect, it } from 'vitest';
import { type QueueJob, settleJobs } from '../../src/bullmq/index.js';
import {
  InvalidOptionTypeError,
  InvalidOptionValueError,
  InvalidSourceError,
  isAbortError,
} from '../../src/errors.js';
import type { Source, StageContext } from '../../src/stage.js';
import { adaptiveMap } from '../../src/stages/adaptive-map.js';
import { settle as turns } from '../helpers/sources.js';

interface Task {
  readonly n: number;
}
interface Rec {
  readonly task: Task;
  readonly status: 'solved' | 'failed';
}

/** A promise with its resolvers outside. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * `total` fake jobs: each settle waits until the test ends it (`settles[n]`), and `settled`
 * resolves once job n's settle was called. The source counts its pulls.
 */
function fakeJobs(total: number) {
  const settles = Array.from({ length: total }, () => deferred());
  const called = Array.from({ length: total }, () => deferred<'complete' | 'fail'>());
  const state = { pulls: 0, returned: false };
  const job = (n: number): QueueJob<Task> => {
    const settle = (kind: 'complete' | 'fail') => () => {
      called[n]!.resolve(kind);
      return settles[n]!.promise;
    };
    return {
      id: `job-${n}`,
      data: { n },
      attempt: 1,
      job: undefined as never,
      complete: settle('complete'),
      fail: settle('fail'),
    };
  };
  let next = 0;
  const source: AsyncIterableIterator<QueueJob<Task>> = {
    async next() {
      state.pulls++;
      const n = next++;
      return n < total ? { done: false, value: job(n) } : { done: true, value: undefined };
    },
    async return() {
      state.returned = true;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { source, settles, called, state };
}

const solved = (task: Task): Rec => ({ task, status: 'solved' });

describe('settleJobs: concurrent settles and read-ahead', () => {
  it('settles jobs concurrently and yields each record once its own settle ended, in settle order', async () => {
    const { source, settles, called } = fakeJobs(3);
    const settle = settleJobs<Task, Rec>(adaptiveMap(solved, { min: 3, max: 3 }));
    const records = settle(source)[Symbol.asyncIterator]();
    const first = records.next();
    // All three settles start although none has ended: they run concurrently.
    await Promise.all(called.map((c) => c.promise));
    expect(settle.stats()).toMatchObject({ settling: 3, completed: 0 });
    settles[2]!.resolve();
    expect(await first).toEqual({ done: false, value: { task: { n: 2 }, status: 'solved' } });
    settles[0]!.resolve();
    expect((await records.next()).value).toMatchObject({ task: { n: 0 } });
    settles[1]!.resolve();
    expect((await records.next()).value).toMatchObject({ task: { n: 1 } });
    expect(await records.next()).toEqual({ done: true, value: undefined });
    expect(settle.stats()).toMatchObject({ settling: 0, completed: 3, settleErrors: 0 });
  });

  it('maxSettling 1 settles one job at a time: the next record is asked for only after the consumer took the last', async () => {
    const { source, settles, called } = fakeJobs(2);
    const settle = settleJobs<Task, Rec>(adaptiveMap(solved, { min: 2, max: 2 }), {
      maxSettling: 1,
    });
    const records = settle(source)[Symbol.asyncIterator]();
    const first = records.next();
    await called[0]!.promise;
    await turns();
    expect(settle.stats().settling).toBe(1); // job 1's record waits in the stage
    settles[0]!.resolve();
    expect((await first).value).toMatchObject({ task: { n: 0 } });
    await turns();
    expect(settle.stats().settling).toBe(0); // the consumer holds job 0's record
    const second = records.next();
    await called[1]!.promise;
    settles[1]!.resolve();
    expect((await second).value).toMatchObject({ task: { n: 1 } });
  });

  it('a settle error goes to onSettleError with its job; the record is still yielded and the others go on', async () => {
    const { source, settles } = fakeJobs(2);
    const errors: string[] = [];
    const settle = settleJobs<Task, Rec>(adaptiveMap(solved, { min: 2, max: 2 }), {
      onSettleError: (error, job) => errors.push(`${job.id}: ${(error as Error).message}`),
    });
    settles[0]!.reject(new Error('lock lost'));
    settles[1]!.resolve();
    const out: number[] = [];
    for await (const record of settle(source)) out.push(record.task.n);
    expect(out.sort()).toEqual([0, 1]);
    expect(errors).toEqual(['job-0: lock lost']);
    expect(settle.stats()).toMatchObject({ completed: 1, settleErrors: 1, settling: 0 });
  });

  it("pulls ahead only while the stage's limit leaves room: a stage at its limit gets nothing ahead; readAhead sets the bound", async () => {
    for (const [readAhead, pulls] of [
      [undefined, 2],
      [5, 5],
      [0, 2],
    ] as const) {
      const { source, state, settles } = fakeJobs(20);
      for (const s of settles) s.resolve();
      const started: number[] = [];
      const release = deferred();
      const allStarted = deferred();
      const stage = adaptiveMap(
        async (task: Task) => {
          started.push(task.n);
          if (started.length === 2) allStarted.resolve();
          await release.promise;
          return solved(task);
        },
        { min: 2, max: 2 },
      );
      const settle = settleJobs<Task, Rec>(stage, readAhead === undefined ? {} : { readAhead });
      const records = settle(source)[Symbol.asyncIterator]();
      const first = records.next();
      await allStarted.promise;
      await turns();
      // The stage holds its limit (2 calls); the source was pulled for those and `readAhead`.
      expect({ readAhead, pulls: state.pulls }).toEqual({ readAhead, pulls });
      expect(settle.stats().pulledAhead).toBe(readAhead === 0 ? 0 : pulls - 1);
      release.resolve();
      await first;
      await records.return?.();
      expect(state.returned).toBe(true);
    }
  });

  it('an early exit while a record pull waits on a generator stage ends the stage at once (its calls aborted)', async () => {
    const { source, settles, state } = fakeJobs(2);
    for (const s of settles) s.resolve();
    const aborted = deferred<unknown>();
    const inner = adaptiveMap(
      async (task: Task, { signal }) => {
        if (task.n === 1) {
          await new Promise<never>((_, reject) =>
            signal.addEventListener('abort', () => {
              aborted.resolve(signal.reason);
              reject(signal.reason);
            }),
          );
        }
        return solved(task);
      },
      { min: 2, max: 2 },
    );
    // A generator stage (as solveStage is): its return() waits behind a next() in flight.
    const stage = Object.assign(
      async function* (jobs: Source<Task>, context?: StageContext) {
        yield* inner(jobs, context);
      },
      { stats: inner.stats, onLimitChange: inner.onLimitChange },
    );
    const settle = settleJobs<Task, Rec>(stage);
    const out: number[] = [];
    for await (const record of settle(source)) {
      out.push(record.task.n);
      break; // job 1 hangs in the stage, and settleJobs waits on the stage for its record
    }
    expect(out).toEqual([0]);
    expect(isAbortError(await aborted.promise)).toBe(true);
    expect(state.returned).toBe(true);
    expect(settle.stats()).toMatchObject({ completed: 1, settling: 0 });
  });

  it('abort throws an AbortError at once, without waiting for a settle in flight; its error still reaches onSettleError', async () => {
    const { source, settles, called } = fakeJobs(1);
    const errors: string[] = [];
    const settle = settleJobs<Task, Rec>(adaptiveMap(solved, { min: 1, max: 1 }), {
      onSettleError: (error, job) => errors.push(`${job.id}: ${(error as Error).message}`),
    });
    const controller = new AbortController();
    const run = (async () => {
      for await (const _ of settle(source, { signal: controller.signal })) {
        // never reached: the only settle is held until after the abort
      }
    })();
    await called[0]!.promise;
    controller.abort();
    await expect(run).rejects.toSatisfy(isAbortError);
    expect(settle.stats().settling).toBe(1);
    settles[0]!.reject(new Error('connection closed'));
    await turns();
    expect(errors).toEqual(['job-0: connection closed']);
    expect(settle.stats()).toMatchObject({ settling: 0, settleErrors: 1 });
  });

  it('a stage error stops the job source, lets the settles in flight finish and yields their records, then is thrown', async () => {
    const { source, settles, called, state } = fakeJobs(3);
    const boom = new Error('stage broke');
    const inner = adaptiveMap(solved, { min: 2, max: 2 });
    const stage = Object.assign(
      async function* (jobs: Source<Task>, context?: StageContext) {
        for await (const record of inner(jobs, context)) {
          yield record;
          if (record.task.n === 1) throw boom;
        }
      },
      { stats: inner.stats, onLimitChange: inner.onLimitChange },
    );
    const settle = settleJobs<Task, Rec>(stage);
    const out: number[] = [];
    const run = (async () => {
      for await (const record of settle(source)) out.push(record.task.n);
    })();
    await Promise.all([called[0]!.promise, called[1]!.promise]);
    await turns();
    expect(state.returned).toBe(true); // stopped at the error, before the settles ended
    expect(out).toEqual([]);
    settles[1]!.resolve();
    settles[0]!.resolve();
    await expect(run).rejects.toBe(boom);
    expect(out).toEqual([1, 0]);
    expect(settle.stats()).toMatchObject({ completed: 2, settling: 0 });
  });

  it('an onSettleError that throws ends the run with its error', async () => {
    const { source, settles } = fakeJobs(2);
    settles[0]!.reject(new Error('lock lost'));
    settles[1]!.resolve();
    const oops = new Error('callback bug');
    const settle = settleJobs<Task, Rec>(adaptiveMap(solved, { min: 1, max: 1 }), {
      onSettleError: () => {
        throw oops;
      },
    });
    const run = (async () => {
      for await (const _ of settle(source)) {
        // the first settle fails and its callback throws
      }
    })();
    await expect(run).rejects.toBe(oops);
    expect(settle.stats()).toMatchObject({ settleErrors: 1, settling: 0 });
  });

  it('rejects bad options with a typed error naming the option', () => {
    const stage = adaptiveMap(solved);
    expect(() => settleJobs<Task, Rec>(stage, { maxSettling: 0 })).toThrow(InvalidOptionValueError);
    expect(() => settleJobs<Task, Rec>(stage, { maxSettling: 1.5 })).toThrow(/maxSettling/);
    expect(() => settleJobs<Task, Rec>(stage, { readAhead: -1 })).toThrow(InvalidOptionValueError);
    expect(() => settleJobs<Task, Rec>(stage, { readAhead: '4' as unknown as number })).toThrow(
      InvalidOptionTypeError,
    );
    expect(() =>
      settleJobs<Task, Rec>(stage, { onSettleError: 1 as unknown as () => void }),
    ).toThrow(/onSettleError/);
  });

  it('a job source that is not iterable ends the run with an InvalidSourceError naming settleJobs', async () => {
    const notJobs = 42 as unknown as Source<QueueJob<Task>>;
    const run = settleJobs<Task, Rec>(adaptiveMap(solved))(notJobs)[Symbol.asyncIterator]();
    const error = await run.next().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(InvalidSourceError);
    expect((error as Error).message).toMatch(/settleJobs/);
  });
});
