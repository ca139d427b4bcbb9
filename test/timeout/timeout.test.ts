import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  hasErrorCode,
  InvalidOptionTypeError,
  InvalidOptionValueError,
  isAbortError,
  TimeoutError,
  timeout,
} from '../../src/index.js';
import { trackedAbortController, VirtualClock } from '../../src/testing/index.js';

/** Settles `promise` into a plain record so a test can look at it after advancing the clock. */
function observe<T>(promise: Promise<T>) {
  const seen: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { value, settled: true }),
    (error: unknown) => Object.assign(seen, { error, settled: true }),
  );
  return seen;
}

/** A call that settles after `ms` on `clock` with `value` (or fails), ignoring its signal. */
function slowCall(clock: VirtualClock, ms: number, outcome: { value: string } | { error: Error }) {
  const seen: { signal?: AbortSignal } = {};
  const fn = async ({ signal }: { signal: AbortSignal }) => {
    seen.signal = signal;
    await clock.sleep(ms);
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
  return { fn, seen };
}

describe('timeout', () => {
  it('passes the result of a call that settles in time; its signal never aborts; no timer left', async () => {
    const clock = new VirtualClock();
    const call = slowCall(clock, 50, { value: 'ok' });
    const result = observe(timeout(call.fn, 100, { clock }));
    await clock.advance(50);
    expect(result).toEqual({ value: 'ok', settled: true });
    expect(call.seen.signal!.aborted).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects with TimeoutError (ERR_BPK_TIMEOUT, ms) at the limit and aborts the signal', async () => {
    const clock = new VirtualClock();
    const call = slowCall(clock, 500, { value: 'late' });
    const result = observe(timeout(call.fn, 100, { clock }));
    await clock.advance(99);
    expect(result.settled).toBe(false);
    await clock.advance(1);
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect(hasErrorCode(result.error, 'ERR_BPK_TIMEOUT')).toBe(true);
    expect((result.error as TimeoutError).ms).toBe(100);
    expect((result.error as Error).name).toBe('TimeoutError');
    expect(isAbortError(result.error)).toBe(false); // a breaker counts it; retry retries it
    expect(call.seen.signal!.aborted).toBe(true);
    expect(call.seen.signal!.reason).toBe(result.error);
    await clock.advance(400); // the call finishes late: its result is discarded
    expect(result.value).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });

  it("passes the call's own error unchanged, sync throws included", async () => {
    const clock = new VirtualClock();
    const failure = new Error('boom');
    const async = observe(timeout(slowCall(clock, 10, { error: failure }).fn, 100, { clock }));
    await clock.advance(10);
    expect(async.error).toBe(failure);
    const sync = timeout(
      () => {
        throw failure;
      },
      100,
      { clock },
    );
    await expect(sync).rejects.toBe(failure);
    expect(clock.pendingTimers).toBe(0);
  });

  it('follows the outer signal: aborts the call and rejects at once; no listener left', async () => {
    const clock = new VirtualClock();
    const tracked = trackedAbortController();
    const call = slowCall(clock, 500, { value: 'late' });
    const result = observe(timeout(call.fn, 100, { clock, signal: tracked.signal }));
    await clock.advance(10);
    expect(tracked.listeners()).toBe(1);
    tracked.controller.abort(new Error('shutdown'));
    await clock.advance(0);
    expect(result.error).toBeInstanceOf(AbortedError);
    expect(isAbortError(result.error)).toBe(true);
    expect(call.seen.signal!.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(1); // the call's own sleep, not ours
    expect(tracked.listeners()).toBe(0);
    // An outer signal already aborted: the call never runs.
    let called = false;
    await expect(
      timeout(
        () => {
          called = true;
        },
        100,
        { clock, signal: AbortSignal.abort() },
      ),
    ).rejects.toMatchObject({ name: 'AbortError', code: 'ERR_BPK_ABORTED' });
    expect(called).toBe(false);
  });

  it('a settled call removes its listener from the outer signal', async () => {
    const clock = new VirtualClock();
    const tracked = trackedAbortController();
    await timeout(async () => 1, 100, { clock, signal: tracked.signal });
    expect(tracked.listeners()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('Infinity means no limit and no timer', async () => {
    const clock = new VirtualClock();
    const result = observe(timeout(slowCall(clock, 1e9, { value: 'ok' }).fn, Infinity, { clock }));
    expect(clock.pendingTimers).toBe(1); // the call's sleep only
    await clock.advance(1e9);
    expect(result.value).toBe('ok');
  });

  it('validates its arguments at once with the typed option errors', () => {
    expect(() => timeout('nope' as never, 10)).toThrow(InvalidOptionTypeError);
    expect(() => timeout(async () => 1, -1)).toThrow(InvalidOptionValueError);
    expect(() => timeout(async () => 1, Number.NaN)).toThrow(/`ms`/);
    expect(() => timeout(async () => 1, 2 ** 31)).toThrow(InvalidOptionValueError);
    expect(() => timeout(async () => 1, '5' as never)).toThrow(InvalidOptionTypeError);
    expect(() => timeout(async () => 1, 5, { signal: 1 as never })).toThrow(/`signal`/);
    expect(() => timeout(async () => 1, 5, { clock: {} as never })).toThrow(/`clock`/);
  });

  it('property: settles exactly as the first of call, limit and outer abort; nothing left behind', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Distinct times (residues 0, 1, 2 mod 3), so "first" is never a tie.
        fc.integer({ min: 0, max: 70 }).map((n) => 3 * n),
        fc.integer({ min: 0, max: 70 }).map((n) => 3 * n + 1),
        fc.option(
          fc.integer({ min: 0, max: 70 }).map((n) => 3 * n + 2),
          { nil: undefined },
        ),
        fc.boolean(),
        async (callMs, limit, abortAt, fails) => {
          const clock = new VirtualClock();
          const tracked = trackedAbortController();
          const failure = new Error('fails');
          const call = slowCall(clock, callMs, fails ? { error: failure } : { value: 'ok' });
          if (abortAt !== undefined) {
            clock.sleep(abortAt).then(() => tracked.controller.abort());
          }
          const result = observe(timeout(call.fn, limit, { clock, signal: tracked.signal }));
          await clock.runAll();
          expect(result.settled).toBe(true);
          const first = Math.min(callMs, limit, abortAt ?? Number.POSITIVE_INFINITY);
          if (first === abortAt) {
            expect(result.error).toMatchObject({ name: 'AbortError', code: 'ERR_BPK_ABORTED' });
          } else if (first === limit) {
            expect(result.error).toBeInstanceOf(TimeoutError);
          } else if (fails) {
            expect(result.error).toBe(failure);
          } else {
            expect(result.value).toBe('ok');
          }
          expect(call.seen.signal!.aborted).toBe(
            result.error instanceof TimeoutError || isAbortError(result.error),
          );
          expect(clock.pendingTimers).toBe(0);
          expect(tracked.listeners()).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
