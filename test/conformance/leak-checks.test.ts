import { describe, expect, it } from 'vitest';
import { AbortedError } from '../../src/index.js';
import type { Clock } from '../../src/internal/clock.js';
import type { Stage } from '../../src/stage.js';
import {
  type ConformanceSubject,
  conformanceChecks,
  countingClock,
  trackedAbortController,
} from '../../src/testing/index.js';

/** A pass-through stage that watches its signal; `leak` picks what it forgets to clean. */
function passThrough(leak: 'nothing' | 'listener' | 'sleep', clock: Clock): Stage<number, number> {
  return async function* (source, context) {
    const signal = context?.signal;
    const onAbort = (): void => {};
    signal?.addEventListener('abort', onAbort);
    if (leak === 'sleep') clock.sleep(60_000).catch(() => {});
    try {
      for await (const x of source) {
        if (signal?.aborted) throw new AbortedError(signal.reason);
        yield x;
      }
    } finally {
      if (leak !== 'listener') signal?.removeEventListener('abort', onAbort);
    }
  };
}

function check(leak: 'nothing' | 'listener' | 'sleep', fragment: string) {
  const subject: ConformanceSubject = {
    name: `leaks ${leak}`,
    create: ({ clock }) => passThrough(leak, clock),
    ordered: true,
    numRuns: 5,
  };
  const found = conformanceChecks(subject).find((c) => c.name.includes(fragment));
  if (!found) throw new Error(`no check named like ${fragment}`);
  return found;
}

describe('the conformance suite checks leaks per object, not by process-wide counts', () => {
  it('passes a stage that removes its listener and holds no sleep', async () => {
    await check('nothing', 'early exit').run();
    await check('nothing', 'signal aborts').run();
  });

  it('catches an abort listener left on the signal after an early exit', async () => {
    await expect(check('listener', 'early exit').run()).rejects.toThrow(/1 abort listener/);
  });

  it('catches a sleep left pending on its clock', async () => {
    await expect(check('sleep', 'early exit').run()).rejects.toThrow(/1 pending sleep/);
    await expect(check('sleep', 'later pipeline step fails').run()).rejects.toThrow(
      /pending sleep/,
    );
  });

  it('trackedAbortController counts listeners; once-listeners go when the signal aborts', () => {
    const tracked = trackedAbortController();
    const a = (): void => {};
    const b = (): void => {};
    tracked.signal.addEventListener('abort', a);
    tracked.signal.addEventListener('abort', b, { once: true });
    expect(tracked.listeners()).toBe(2);
    tracked.signal.removeEventListener('abort', a);
    expect(tracked.listeners()).toBe(1);
    tracked.controller.abort();
    expect(tracked.listeners()).toBe(0);
  });

  it('countingClock counts pending sleeps until they end or abort', async () => {
    const clock = countingClock();
    const controller = new AbortController();
    const long = clock.sleep(60_000, controller.signal).catch(() => {});
    const short = clock.sleep(1);
    expect(clock.pendingSleeps()).toBe(2);
    await short;
    expect(clock.pendingSleeps()).toBe(1);
    controller.abort();
    await long;
    expect(clock.pendingSleeps()).toBe(0);
  });
});
