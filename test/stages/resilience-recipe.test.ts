/**
 * The docs recipe under virtual time: rateLimit → breakerGate → adaptiveMap(breaker.wrap(solve)).
 * The service fails 5 times, then recovers; every item reaches the sink exactly once, the
 * service is never called while the breaker is open, and the run completes.
 */
import { describe, expect, it } from 'vitest';
import {
  adaptiveMap,
  breakerGate,
  CircuitOpenError,
  circuitBreaker,
  rateLimit,
  type SettledResult,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

describe('recipe: rateLimit + breakerGate + adaptiveMap', () => {
  it('loses nothing through an outage and never calls the service while open', async () => {
    const clock = new VirtualClock();
    const breaker = circuitBreaker({ failureThreshold: 5, resetTimeout: 10_000, clock });
    const calls: { at: number; state: string }[] = [];
    const states: string[] = [];
    breaker.onStateChange((state) => states.push(state));
    const solve = breaker.wrap(async (task: number, { signal }: { signal: AbortSignal }) => {
      const index = calls.push({ at: clock.now(), state: breaker.state });
      await clock.sleep(50, signal);
      if (index <= 5) throw new Error('ERROR_SERVICE_DOWN');
      return `token-${task}`;
    });
    const limit = rateLimit<number>({ rate: 20, interval: 1_000, burst: 5, clock });
    const gate = breakerGate<number>(breaker);
    const map = adaptiveMap(solve, {
      max: 8,
      clock,
      settle: true,
      dropRetries: 50,
      retryDelayMs: 500,
      retryMaxDelayMs: 4_000,
      random: () => 0.5, // deterministic backoff
      classify: ({ error }) =>
        error === undefined ? 'success' : error instanceof CircuitOpenError ? 'drop' : 'failure',
    });
    const records: SettledResult<number, string>[] = [];
    let done = false;
    const run = (async () => {
      for await (const record of map(gate(limit(Array.from({ length: 40 }, (_, i) => i))))) {
        records.push(record as SettledResult<number, string>);
      }
    })().finally(() => {
      done = true;
    });
    for (let i = 0; !done; i++) {
      if (i > 20_000) throw new Error('never finished');
      const next = clock.nextTimerAt();
      await clock.advance(next === undefined ? 0 : next - clock.now());
    }
    await run;
    expect(records.map((r) => r.item).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    const failed = records.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(5); // the 5 calls the service failed, reported, not lost
    expect(calls.filter((c) => c.state === 'open')).toEqual([]);
    expect(states).toEqual(['open', 'half-open', 'closed']); // it did open, and recovered
    expect(clock.now()).toBeGreaterThanOrEqual(10_000);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().inFlight).toBe(0);
  });
});
