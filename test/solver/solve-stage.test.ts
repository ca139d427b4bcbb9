import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidOptionTypeError, InvalidOptionValueError } from '../../src/errors.js';
import { fixedLimit, kneeLimit, type LimitAlgorithm } from '../../src/index.js';
import {
  type FailedRecord,
  type SolveOptions,
  type SolveResult,
  SolveRunError,
  SolverClosedError,
  SolverError,
  type SolverErrorKind,
  type SolveStageOptions,
  solveStage,
  type Task,
} from '../../src/solver/index.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { fakeSolver, imageTasks, type Outcome } from './fake-solver.js';

/** Consumes a stage run under a VirtualClock, firing timers until it settles. */
async function collect<T>(
  clock: VirtualClock,
  iterable: AsyncIterable<T>,
  onRecord?: (record: T, at: number) => void,
): Promise<{ records: T[]; error: unknown }> {
  const records: T[] = [];
  let error: unknown;
  let done = false;
  const consume = (async () => {
    try {
      for await (const record of iterable) {
        records.push(record);
        onRecord?.(record, clock.now());
      }
    } catch (e) {
      error = e;
    } finally {
      done = true;
    }
  })();
  for (let i = 0; !done && i < 100_000; i++) {
    const at = clock.nextTimerAt();
    if (at === undefined) await new Promise((r) => setImmediate(r));
    else await clock.advance(Math.max(0, at - clock.now()));
  }
  await consume;
  return { records, error };
}

const ok = (ms = 1_000): Outcome => ({ ms });
const fail = (kind: SolverErrorKind, ms = 100, retryAfter?: number): Outcome =>
  retryAfter === undefined ? { ms, fail: kind } : { ms, fail: kind, retryAfter };

function idsOf(records: SolveResult[]): unknown[] {
  return records.map((r) => r.task.id).sort((a, b) => Number(a) - Number(b));
}

describe('solveStage', () => {
  it('yields one solved record per task, as soon as each token arrives', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, (task) =>
      ok(task.id === 0 ? 50_000 : 1_000 * Number(task.id)),
    );
    const stage = solveStage(solver, { clock, rateLimit: false, max: 10, initial: 10 });
    const times: number[] = [];
    const { records, error } = await collect(clock, stage(imageTasks(5)), (_, at) =>
      times.push(at),
    );
    expect(error).toBeUndefined();
    expect(records.map((r) => r.task.id)).toEqual([1, 2, 3, 4, 0]);
    expect(times).toEqual([1_000, 2_000, 3_000, 4_000, 50_000]);
    expect(records[0]).toMatchObject({ status: 'solved', token: 'token-1', attempts: 1, polls: 1 });
    expect(stage.stats()).toMatchObject({ solved: 5, failed: 0, submits: 5, inFlight: 0 });
  });

  it('fatal-item: a failed record, the run goes on', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, (task) => (task.id === 1 ? fail('fatal-item') : ok()));
    const stage = solveStage(solver, { clock, rateLimit: false });
    const { records, error } = await collect(clock, stage(imageTasks(4)));
    expect(error).toBeUndefined();
    expect(idsOf(records)).toEqual([0, 1, 2, 3]);
    const failed = records.find((r) => r.status === 'failed') as FailedRecord;
    expect(failed).toMatchObject({ task: { id: 1 }, kind: 'fatal-item', attempts: 1 });
    expect(failed.reason.kind).toBe('fatal-item');
    expect(solver.calls.get(1)).toBe(1);
  });

  it('unsolvable: resubmitted resubmitUnsolvable times, then a failed record', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, (task, attempt) =>
      task.id === 0 ? fail('unsolvable') : task.id === 1 && attempt < 3 ? fail('unsolvable') : ok(),
    );
    const stage = solveStage(solver, { clock, rateLimit: false, resubmitUnsolvable: 2 });
    const { records } = await collect(clock, stage(imageTasks(3)));
    const byId = new Map(records.map((r) => [r.task.id, r]));
    expect(byId.get(0)).toMatchObject({ status: 'failed', kind: 'unsolvable', attempts: 3 });
    expect(byId.get(1)).toMatchObject({ status: 'solved', attempts: 3 });
    expect(byId.get(2)).toMatchObject({ status: 'solved', attempts: 1 });
    expect(stage.stats().resubmits).toBe(4);
  });

  it('transient: retried with backoff (honouring retryAfter), bounded', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, (task, attempt) =>
      task.id === 0
        ? fail('transient', 10, 5_000)
        : attempt === 1
          ? fail('transient', 10, 5_000)
          : ok(),
    );
    const stage = solveStage(solver, { clock, rateLimit: false, retries: 3 });
    const { records } = await collect(clock, stage(imageTasks(2)));
    const byId = new Map(records.map((r) => [r.task.id, r]));
    expect(byId.get(0)).toMatchObject({ status: 'failed', kind: 'transient', attempts: 4 });
    expect(byId.get(1)).toMatchObject({ status: 'solved', attempts: 2 });
    const t0 = solver.callTimes;
    expect(t0.length).toBe(6);
    expect(stage.stats().retries).toBe(4);
  });

  it('overload: a drop that lowers the limit and is retried until solved', async () => {
    const clock = new VirtualClock();
    let busy = 0;
    const solver = fakeSolver(clock, (_task, attempt) => {
      busy++;
      return attempt <= 2 ? fail('overload', 5) : ok(2_000);
    });
    const stage = solveStage(solver, { clock, rateLimit: false, max: 20, initial: 8 });
    const changes: [number, number][] = [];
    const dispose = stage.onLimitChange((limit, previous) => changes.push([limit, previous]));
    const limits: number[] = [];
    const { records, error } = await collect(clock, stage(imageTasks(30)), () =>
      limits.push(stage.stats().limit),
    );
    expect(error).toBeUndefined();
    expect(records.every((r) => r.status === 'solved')).toBe(true);
    expect(idsOf(records)).toEqual(imageTasks(30).map((t) => t.id));
    expect(Math.min(...limits)).toBeLessThan(8);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes[0]![1]).toBe(8);
    expect(stage.stats().overloads).toBe(60);
    expect(busy).toBe(90);
    dispose();
  });

  it('rate-limited: every submit pauses for retryAfter', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, (task, attempt) =>
      task.id === 0 && attempt === 1 ? fail('rate-limited', 0, 60_000) : ok(10),
    );
    const stage = solveStage(solver, { clock, rateLimit: false, max: 1, initial: 1 });
    const { records } = await collect(clock, stage(imageTasks(3)));
    expect(records).toHaveLength(3);
    // after the rate-limited answer at t=0, no submit before t=60 000
    expect(solver.callTimes.slice(1).every((t) => t >= 60_000)).toBe(true);
  });

  it('fatal-account: a record for that task, the breaker isolates, the run throws naming the rest', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, (task) =>
      task.id === 2 ? fail('fatal-account', 500) : ok(5_000),
    );
    const stage = solveStage(solver, { clock, rateLimit: false, initial: 4, max: 4 });
    const { records, error } = await collect(clock, stage(imageTasks(20)));
    expect(records).toEqual([
      expect.objectContaining({
        status: 'failed',
        kind: 'fatal-account',
        task: { type: 'image', body: 'AAAA', id: 2 },
      }),
    ]);
    expect(error).toBeInstanceOf(SolveRunError);
    const runError = error as SolveRunError;
    expect(runError.code).toBe('ERR_BPK_SOLVER_RUN_STOPPED');
    expect((runError.cause as { kind: string }).kind).toBe('fatal-account');
    expect(runError.unfinished.map((t) => t.id).sort()).toEqual([0, 1, 3]);
    expect(stage.breaker.state).toBe('isolated');
    expect([...solver.calls.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(solver.running.size).toBe(0);
    // the next run stops at once without calling the solver
    const again = await collect(clock, stage(imageTasks(3)));
    expect(again.error).toBeInstanceOf(SolveRunError);
    expect(solver.calls.size).toBe(4);
  });

  it('records carry what the CLI writes: id via task.id, status, token, kind, code, reason, attempts, elapsedMs', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, (task, attempt) =>
      task.id === 1
        ? fail('fatal-item', 300)
        : attempt === 1
          ? fail('transient', 100, 1_000)
          : ok(2_000),
    );
    const stage = solveStage(solver, { clock, rateLimit: false, retries: 1, random: () => 0 });
    const { records } = await collect(clock, stage(imageTasks(2)));
    const byId = new Map(records.map((r) => [r.task.id, r]));
    const solved = byId.get(0)!;
    const failed = byId.get(1) as FailedRecord;
    expect(solved).toMatchObject({ status: 'solved', token: 'token-0', attempts: 2 });
    // first call 100 ms, the retry waits retryAfter (1 000 ms), then a 2 000 ms call
    expect(solved.elapsedMs).toBe(3_100);
    expect(failed).toMatchObject({
      status: 'failed',
      kind: 'fatal-item',
      code: 'ERR_BPK_SOLVER_FATAL_ITEM',
      attempts: 1,
      elapsedMs: 300,
    });
    expect(failed.reason.message).toBe('scripted fatal-item');
  });

  it('asks the solver for one submit per call (submitRetries: 0), so attempts count submits', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, () => ok());
    const stage = solveStage(solver, { clock, rateLimit: false });
    await collect(clock, stage(imageTasks(3)));
    expect(solver.options).toHaveLength(3);
    for (const options of solver.options) expect(options.submitRetries).toBe(0);
  });

  it('anything not a SolverError thrown for one task becomes its failed record; the run goes on', async () => {
    const clock = new VirtualClock();
    const base = fakeSolver(clock, () => ok());
    const long = `bad\r\ninput ${'x'.repeat(1_000)}`;
    const solver = {
      ...base,
      solve: (task: Task, options?: SolveOptions) => {
        if (task.id === 1) return Promise.reject(new URIError('URI malformed'));
        if (task.id === 2) throw new TypeError(long);
        return base.solve(task, options);
      },
    };
    const stage = solveStage(solver, { clock, rateLimit: false });
    const { records, error } = await collect(clock, stage(imageTasks(4)));
    expect(error).toBeUndefined();
    expect(idsOf(records)).toEqual([0, 1, 2, 3]);
    const byId = new Map(records.map((r) => [r.task.id, r]));
    const uri = byId.get(1) as FailedRecord;
    expect(uri).toMatchObject({
      status: 'failed',
      kind: 'fatal-item',
      code: 'ERR_BPK_SOLVER_FATAL_ITEM',
      attempts: 1,
    });
    expect(uri.reason).toBeInstanceOf(SolverError);
    expect(uri.reason.message).toBe('solve() threw URIError: URI malformed');
    expect(uri.reason.cause).toBeInstanceOf(URIError);
    const type = byId.get(2) as FailedRecord;
    expect(type.reason.message).not.toMatch(/[\r\n]/);
    expect(type.reason.message.length).toBeLessThan(260);
    expect(stage.stats()).toMatchObject({ solved: 2, failed: 2 });
  });

  it("a closed solver still stops the run (it is not one task's failure)", async () => {
    const clock = new VirtualClock();
    const base = fakeSolver(clock, () => ok());
    const solver = {
      ...base,
      solve: (task: Task, options?: SolveOptions) =>
        task.id === 1 ? Promise.reject(new SolverClosedError()) : base.solve(task, options),
    };
    const stage = solveStage(solver, { clock, rateLimit: false, initial: 1, max: 1 });
    const { error } = await collect(clock, stage(imageTasks(3)));
    expect(error).toBeInstanceOf(SolveRunError);
    expect((error as SolveRunError).cause).toBeInstanceOf(SolverClosedError);
  });

  it('40 tasks in flight share the run signal and print no MaxListenersExceededWarning', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, () => ok(1_000));
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      const stage = solveStage(solver, {
        clock,
        rateLimit: false,
        algorithm: fixedLimit(40),
        max: 40,
      });
      const { records, error } = await collect(clock, stage(imageTasks(60)));
      expect(error).toBeUndefined();
      expect(records).toHaveLength(60);
      expect(solver.peak).toBe(40);
      // Every call of the run got the same signal (one listener set, not a controller each).
      expect(new Set(solver.options.map((o) => o.signal)).size).toBe(1);
      // process 'warning' is emitted on a later tick
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('abort: AbortError, in-flight calls aborted, source closed', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, () => ok(60_000));
    const controller = new AbortController();
    let closed = false;
    async function* source() {
      try {
        yield* imageTasks(10);
      } finally {
        closed = true;
      }
    }
    const stage = solveStage(solver, { clock, rateLimit: false, initial: 3 });
    const pending = collect(clock, stage(source(), { signal: controller.signal }));
    while (solver.running.size < 3) await new Promise((r) => setImmediate(r));
    controller.abort();
    const { error } = await pending;
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(closed).toBe(true);
    expect(solver.running.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('the source error reaches the consumer unchanged', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, () => ok(10));
    const boom = new Error('boom');
    async function* source() {
      yield* imageTasks(2);
      throw boom;
    }
    const { error } = await collect(
      clock,
      solveStage(solver, { clock, rateLimit: false })(source()),
    );
    expect(error).toBe(boom);
  });

  it('rate limit on submits: no window admits more than the bucket allows', async () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, () => ok(100));
    const stage = solveStage(solver, {
      clock,
      max: 50,
      initial: 50,
      rateLimit: { rate: 10, interval: 1_000, burst: 5 },
    });
    await collect(clock, stage(imageTasks(60)));
    const times = solver.callTimes;
    for (const start of times) {
      const inWindow = times.filter((t) => t >= start && t < start + 3_000).length;
      expect(inWindow).toBeLessThanOrEqual(5 + 30);
    }
  });

  it('takes its concurrency algorithm as `algorithm`; `limit` is its deprecated name, and both must agree', async () => {
    const peakWith = async (options: SolveStageOptions): Promise<number> => {
      const clock = new VirtualClock();
      const solver = fakeSolver(clock, () => ok(1_000));
      const { records } = await collect(
        clock,
        solveStage(solver, { clock, rateLimit: false, ...options })(imageTasks(20)),
      );
      expect(records).toHaveLength(20);
      return solver.peak;
    };
    const fixed = fixedLimit(3);
    expect(await peakWith({ algorithm: fixed })).toBe(3);
    expect(await peakWith({ limit: fixed })).toBe(3);
    expect(await peakWith({ algorithm: fixed, limit: fixed })).toBe(3);
    const solver = fakeSolver(new VirtualClock(), () => ok());
    const both = () => solveStage(solver, { algorithm: fixed, limit: fixedLimit(2) });
    expect(both).toThrow(InvalidOptionValueError);
    expect(both).toThrow('Expected `limit` to be left out when `algorithm` is given');
    expect(() => solveStage(solver, { algorithm: {} as LimitAlgorithm })).toThrow(
      /`algorithm.create`/,
    );
    // Bounds belong on the stage: a different one on the algorithm is refused under either name.
    expect(() => solveStage(solver, { max: 4, algorithm: kneeLimit({ max: 3 }) })).toThrow(
      'Expected `algorithm.max` to be left out or the same as `max` (4)',
    );
    expect(() => solveStage(solver, { max: 4, limit: kneeLimit({ max: 3 }) })).toThrow(
      'Expected `limit.max` to be left out or the same as `max` (4)',
    );
  });

  it('validates options', () => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, () => ok());
    expect(() => solveStage({} as never)).toThrow(InvalidOptionTypeError);
    expect(() => solveStage(solver, { max: 0 })).toThrow(/`max`/);
    expect(() => solveStage(solver, { resubmitUnsolvable: -1 })).toThrow(RangeError);
    expect(() => solveStage(solver, { retries: 1.5 })).toThrow(/`retries`/);
    expect(() => solveStage(solver, { rateLimit: 5 as never })).toThrow(TypeError);
  });

  const outcomeArb = fc.array(
    fc.oneof(
      fc.record({ ms: fc.integer({ min: 0, max: 5_000 }) }),
      fc.record({
        ms: fc.integer({ min: 0, max: 500 }),
        fail: fc.constantFrom<SolverErrorKind>('fatal-item', 'unsolvable', 'transient', 'overload'),
      }),
    ),
    { minLength: 1, maxLength: 6 },
  );

  test.prop(
    [fc.array(outcomeArb, { minLength: 0, maxLength: 25 }), fc.integer({ min: 1, max: 8 })],
    {
      numRuns: 30,
    },
  )('every task yields exactly one record, whatever the answers', async (plans, initial) => {
    const clock = new VirtualClock();
    const solver = fakeSolver(clock, (task, attempt) => {
      const plan = plans[Number(task.id)]!;
      return plan[Math.min(attempt - 1, plan.length - 1)]!;
    });
    const stage = solveStage(solver, {
      clock,
      rateLimit: false,
      initial,
      max: 8,
      retries: 2,
      overloadRetries: 3,
      resubmitUnsolvable: 1,
    });
    const tasks: Task[] = imageTasks(plans.length);
    const { records, error } = await collect(clock, stage(tasks));
    expect(error).toBeUndefined();
    expect(idsOf(records)).toEqual(tasks.map((t) => t.id));
    for (const r of records) {
      expect(r.attempts).toBe(solver.calls.get(r.task.id));
      if (r.status === 'failed') expect(r.reason.kind).toBe(r.kind);
    }
    expect(solver.peak).toBeLessThanOrEqual(8);
  });
});

describe('solveStage with fatal answers', () => {
  const plan = fc.array(
    fc.oneof(
      fc.record({ ms: fc.integer({ min: 0, max: 3_000 }) }),
      fc.record({
        ms: fc.integer({ min: 0, max: 500 }),
        fail: fc.constantFrom<SolverErrorKind>(
          'fatal-item',
          'transient',
          'overload',
          'fatal-account',
        ),
      }),
    ),
    { minLength: 1, maxLength: 4 },
  );

  test.prop([fc.array(plan, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 8 })], {
    numRuns: 40,
  })(
    'every accepted task is a record or listed unfinished, exactly once',
    async (plans, initial) => {
      const clock = new VirtualClock();
      const solver = fakeSolver(clock, (task, attempt) => {
        const p = plans[Number(task.id)]!;
        return p[Math.min(attempt - 1, p.length - 1)]!;
      });
      const stage = solveStage(solver, {
        clock,
        rateLimit: false,
        initial,
        max: 8,
        retries: 1,
        overloadRetries: 2,
      });
      const { records, error } = await collect(clock, stage(imageTasks(plans.length)));
      const ids = records.map((r) => r.task.id as number);
      if (error !== undefined) {
        expect(error).toBeInstanceOf(SolveRunError);
        expect(records.some((r) => r.status === 'failed' && r.kind === 'fatal-account')).toBe(true);
        ids.push(...(error as SolveRunError).unfinished.map((t) => t.id as number));
      }
      const sorted = [...ids].sort((a, b) => a - b);
      // no duplicates, and the accepted tasks are a prefix of the source
      expect(sorted).toEqual(sorted.map((_, i) => i));
      if (error === undefined) expect(sorted).toHaveLength(plans.length);
      expect(solver.running.size).toBe(0);
    },
  );
});
