import { describe, expect, it } from 'vitest';
import { AbortedError, InvalidOptionTypeError, InvalidOptionValueError } from '../../src/index.js';
import {
  classifySimulatedOutcome,
  driveClock,
  SimulatedSolverError,
  simulatedSolver,
  VirtualClock,
} from '../../src/testing/index.js';

const constant = (ms: number) => ({ kind: 'constant' as const, ms });

describe('simulatedSolver', () => {
  it('works on `threads` tasks at once, queues up to `queueBound`, refuses the rest with no slot', async () => {
    const clock = new VirtualClock();
    const solver = simulatedSolver<number>(
      { threads: 2, queueBound: 1, latency: constant(1_000), rejectMs: 50 },
      { clock },
    );
    const calls = [0, 1, 2, 3].map((i) => solver.solve(i).catch((e: unknown) => e));
    await clock.advance(0);
    expect(solver.stats()).toMatchObject({ calls: 4, inFlight: 4, busyThreads: 2, queued: 1 });
    const results = await driveClock(clock, Promise.all(calls));
    expect(results.slice(0, 3)).toMatchObject([
      { item: 0, token: 'token-1', startedAt: 0, finishedAt: 1_000 },
      { item: 1, token: 'token-2', startedAt: 0, finishedAt: 1_000 },
      { item: 2, token: 'token-3', acceptedAt: 0, startedAt: 1_000, finishedAt: 2_000 },
    ]);
    const refused = results[3] as SimulatedSolverError<number>;
    expect(refused).toBeInstanceOf(SimulatedSolverError);
    expect(refused).toMatchObject({
      reason: 'no-slot',
      providerCode: 'ERROR_NO_SLOT_AVAILABLE',
      item: 3,
    });
    expect(clock.now()).toBe(2_000);
    expect(solver.stats()).toMatchObject({
      solved: 3,
      noSlot: 1,
      inFlight: 0,
      peakInFlight: 4,
      busyThreads: 0,
      queued: 0,
    });
  });

  it('refuses every task during an outage window, and serves again after it', async () => {
    const clock = new VirtualClock();
    const solver = simulatedSolver<string>(
      {
        threads: 1,
        queueBound: 0,
        latency: constant(10),
        rejectMs: 5,
        outages: [{ startMs: 100, endMs: 200 }],
      },
      { clock },
    );
    await clock.advance(150);
    const during = solver.solve('a').catch((e: unknown) => e);
    await expect(driveClock(clock, during)).resolves.toMatchObject({ reason: 'outage' });
    expect(clock.now()).toBe(155);
    await clock.advance(45);
    await expect(driveClock(clock, solver.solve('b'))).resolves.toMatchObject({ token: 'token-1' });
    expect(solver.stats()).toMatchObject({ outage: 1, solved: 1, accepted: 1 });
  });

  it('fails the configured share of tasks with its provider codes, the same way for the same seed', async () => {
    const run = async () => {
      const clock = new VirtualClock();
      const solver = simulatedSolver<number>(
        {
          threads: 100,
          queueBound: 0,
          latency: { kind: 'lognormal', medianMs: 1_000, sigma: 0.3 },
          errorRate: 0.5,
          errorCodes: ['ERROR_A', 'ERROR_B'],
          seed: 7,
        },
        { clock },
      );
      const settled = await driveClock(
        clock,
        Promise.allSettled(Array.from({ length: 100 }, (_, i) => solver.solve(i))),
      );
      return settled.map((s) =>
        s.status === 'fulfilled'
          ? s.value.finishedAt
          : (s.reason as SimulatedSolverError).providerCode,
      );
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const failures = first.filter((r) => typeof r === 'string');
    expect(failures.length).toBeGreaterThan(30);
    expect(failures.length).toBeLessThan(70);
    expect(new Set(failures)).toEqual(new Set(['ERROR_A', 'ERROR_B']));
  });

  it('an aborted caller gets an AbortedError at once and leaves no timer; the thread stays busy', async () => {
    const clock = new VirtualClock();
    const solver = simulatedSolver<number>(
      { threads: 1, queueBound: 0, latency: constant(1_000), rejectMs: 0 },
      { clock },
    );
    const controller = new AbortController();
    const call = solver.solve(1, { signal: controller.signal }).catch((e: unknown) => e);
    await clock.advance(100);
    controller.abort();
    expect(await call).toBeInstanceOf(AbortedError);
    expect(clock.pendingTimers).toBe(0);
    expect(solver.stats()).toMatchObject({ aborted: 1, inFlight: 0, busyThreads: 1 });
    await expect(driveClock(clock, solver.solve(2))).rejects.toMatchObject({ reason: 'no-slot' });
    await clock.advance(900);
    expect(solver.stats().busyThreads).toBe(0);
  });

  it('classifySimulatedOutcome: token → success, no slot and outage → drop, other errors → failure', () => {
    expect(classifySimulatedOutcome({ value: 1, latencyMs: 1 })).toBe('success');
    const error = (reason: 'no-slot' | 'outage' | 'error') =>
      new SimulatedSolverError(reason, 1, undefined);
    expect(classifySimulatedOutcome({ error: error('no-slot'), latencyMs: 1 })).toBe('drop');
    expect(classifySimulatedOutcome({ error: error('outage'), latencyMs: 1 })).toBe('drop');
    expect(classifySimulatedOutcome({ error: error('error'), latencyMs: 1 })).toBe('failure');
    expect(classifySimulatedOutcome({ error: new Error('x'), latencyMs: 1 })).toBe('failure');
  });

  it('refuses a bad behaviour at once, naming the field', () => {
    const clock = new VirtualClock();
    const ok = { threads: 1, queueBound: 0, latency: constant(1) };
    expect(() => simulatedSolver({ ...ok, threads: 0 }, { clock })).toThrow(
      InvalidOptionValueError,
    );
    expect(() => simulatedSolver({ ...ok, threads: 0 }, { clock })).toThrow(/behaviour\.threads/);
    expect(() => simulatedSolver({ ...ok, errorRate: 2 }, { clock })).toThrow(
      /behaviour\.errorRate/,
    );
    expect(() =>
      simulatedSolver({ ...ok, latency: { kind: 'uniform', minMs: 5, maxMs: 1 } }, { clock }),
    ).toThrow(/behaviour\.latency\.maxMs/);
    expect(() =>
      simulatedSolver({ ...ok, outages: [{ startMs: 5, endMs: 1 }] }, { clock }),
    ).toThrow(/behaviour\.outages\[0\]\.endMs/);
    expect(() => simulatedSolver({ ...ok, errorCodes: [] }, { clock })).toThrow(
      InvalidOptionTypeError,
    );
    expect(() => simulatedSolver(ok, {} as never)).toThrow(/options\.clock/);
  });
});
