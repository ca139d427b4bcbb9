import { describe, expect, it } from 'vitest';
import { createSolver } from '../../src/solver/index.js';
import { SolverError } from '../../src/solver/solver-error.js';
import {
  driveClock,
  SimulatedSolverDispatcher,
  type SimulatedTaskFields,
  simulatedSolver,
  VirtualClock,
} from '../../src/testing/index.js';

const KEY = 'k'.repeat(32);

function setUp(behaviour: Parameters<typeof simulatedSolver>[0]) {
  const clock = new VirtualClock();
  const service = simulatedSolver<SimulatedTaskFields>(behaviour, { clock });
  const dispatcher = new SimulatedSolverDispatcher(service, { clock });
  const solver = createSolver({
    apiKey: KEY,
    dispatcher,
    clock,
    firstPollDelay: 1_000,
    pollInterval: 1_000,
    pollJitter: 0,
    timeout: 120_000,
  });
  return { clock, service, solver };
}

describe('SimulatedSolverDispatcher behind createSolver', () => {
  it('solves through in.php and res.php in virtual time, queueing beyond the threads', async () => {
    const { clock, service, solver } = setUp({
      threads: 2,
      queueBound: 1,
      latency: { kind: 'constant', ms: 10_000 },
    });
    try {
      const results = await driveClock(
        clock,
        Promise.all(
          ['a', 'b', 'c'].map((sitekey) =>
            solver.solve({ type: 'turnstile', sitekey, pageurl: 'https://example.test/' }),
          ),
        ),
      );
      expect(results.map((r) => r.token).sort()).toEqual(['token-1', 'token-2', 'token-3']);
      // Two threads: the third task waited 10 s for one, then took 10 s; polls every second.
      expect(clock.now()).toBe(20_000);
      expect(results.map((r) => r.polls).sort()).toEqual([10, 10, 20]);
      expect(service.stats()).toMatchObject({ calls: 3, accepted: 3, solved: 3, noSlot: 0 });
      expect(clock.pendingTimers).toBe(0);
    } finally {
      await solver.close();
    }
  });

  it("answers the task's error code when the service fails it", async () => {
    const { clock, service, solver } = setUp({
      threads: 1,
      queueBound: 0,
      latency: { kind: 'constant', ms: 5_000 },
      errorRate: 1,
      errorCodes: ['ERROR_CAPTCHA_UNSOLVABLE'],
    });
    try {
      const error = await driveClock(
        clock,
        solver.solve({ type: 'image', body: 'AAAA' }).catch((e: unknown) => e),
      );
      expect(error).toBeInstanceOf(SolverError);
      expect(error).toMatchObject({ providerCode: 'ERROR_CAPTCHA_UNSOLVABLE' });
      expect(service.stats()).toMatchObject({ accepted: 1, failed: 1, solved: 0 });
    } finally {
      await solver.close();
    }
  });

  it('refuses with no slot when every thread is busy and the queue is full', async () => {
    const { clock, service, solver } = setUp({
      threads: 1,
      queueBound: 0,
      latency: { kind: 'constant', ms: 30_000 },
      rejectMs: 200,
    });
    try {
      const outcomes = await driveClock(
        clock,
        Promise.allSettled([
          solver.solve({ type: 'image', body: 'AAAA' }),
          solver.solve({ type: 'image', body: 'BBBB' }),
        ]),
      );
      // The second submit met a busy thread: the service refused it, the client retried it.
      expect(service.stats().noSlot).toBeGreaterThan(0);
      expect(outcomes[0]).toMatchObject({ status: 'fulfilled' });
    } finally {
      await solver.close();
    }
  });
});
