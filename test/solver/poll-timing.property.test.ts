import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createSolver, SolverTimeoutError } from '../../src/solver/index.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { drive } from './fake-server.js';
import { pollingAgent } from './polling-agent.js';

/**
 * Poll timing under any settings, in virtual time, with undici's MockAgent as the service
 * (no sockets): the first poll waits firstPollDelay, later gaps are within
 * [pollInterval, pollInterval * (1 + pollJitter)], nothing is polled at or after the deadline,
 * and the task is solved exactly when its answer's poll fits before the deadline.
 */
describe('poll timing', () => {
  test.prop(
    [
      fc.integer({ min: 0, max: 20_000 }), // firstPollDelay
      fc.integer({ min: 1, max: 10_000 }), // pollInterval
      fc.constantFrom(0, 0.1, 0.5), // pollJitter
      fc.integer({ min: 1_000, max: 120_000 }), // timeout
      fc.integer({ min: 0, max: 30 }), // not-ready answers before the token
    ],
    { numRuns: 40 },
  )(
    'first poll, gaps and deadline',
    async (firstPollDelay, pollInterval, pollJitter, timeout, notReady) => {
      const clock = new VirtualClock();
      const { agent, polls } = pollingAgent(clock, notReady);
      const solver = createSolver({
        apiKey: 'k'.repeat(32),
        dispatcher: agent,
        clock,
        firstPollDelay,
        pollInterval,
        pollJitter,
        timeout,
      });
      try {
        const outcome = await drive(
          clock,
          solver.solve({ type: 'image', body: 'AAAA' }).catch((e: unknown) => e),
        );
        // submit at t = 0 (virtual time stands still during the mock's answers)
        if (polls.length > 0) expect(polls[0]).toBe(firstPollDelay);
        for (let i = 1; i < polls.length; i++) {
          const gap = polls[i]! - polls[i - 1]!;
          expect(gap).toBeGreaterThanOrEqual(pollInterval);
          expect(gap).toBeLessThanOrEqual(pollInterval * (1 + pollJitter) + 1e-6);
        }
        for (const at of polls) expect(at).toBeLessThan(timeout);
        if (polls.length === notReady + 1) {
          expect(outcome).toMatchObject({ id: '77', token: 'TOKEN', polls: notReady + 1 });
        } else {
          expect(outcome).toBeInstanceOf(SolverTimeoutError);
          expect(polls.length).toBeLessThanOrEqual(notReady);
          // the next poll would have come at or after the deadline
          expect(clock.now()).toBe(timeout);
        }
      } finally {
        await solver.close();
        await agent.close();
      }
    },
  );
});
