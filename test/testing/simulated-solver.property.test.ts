import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrivalPatterns, solverBehaviours } from '../../src/testing/arbitraries/index.js';
import {
  arrivalSource,
  driveClock,
  type SimulatedAnswer,
  SimulatedSolverError,
  simulatedSolver,
  VirtualClock,
} from '../../src/testing/index.js';

/**
 * The simulated solver keeps its own model for any behaviour and any arrivals, with callers
 * that submit without waiting (as a client with no limit would): every call settles exactly
 * once, the service never works on more than `threads` tasks nor queues more than `queueBound`,
 * nothing is worked on during an outage, and the run leaves no timer.
 */
describe('simulatedSolver model', () => {
  it('settles every call once within its thread and queue bounds', async () => {
    await fc.assert(
      fc.asyncProperty(
        arrivalPatterns({ maxItems: 50, maxIntervalMs: 500 }),
        solverBehaviours({ maxThreads: 6, maxQueue: 5, maxMs: 3_000, horizonMs: 10_000 }),
        async (pattern, behaviour) => {
          const clock = new VirtualClock();
          const solver = simulatedSolver<number>(behaviour, { clock });
          const calls: Promise<SimulatedAnswer<number>>[] = [];
          const bounds = () => {
            const { busyThreads, queued } = solver.stats();
            expect(busyThreads).toBeLessThanOrEqual(behaviour.threads);
            expect(queued).toBeLessThanOrEqual(behaviour.queueBound);
          };
          await driveClock(
            clock,
            (async () => {
              for await (const i of arrivalSource(pattern, { clock })) {
                bounds();
                const call = solver.solve(i).finally(bounds);
                // Handled now: a call may reject before allSettled below looks at it.
                call.catch(() => {});
                calls.push(call);
              }
            })(),
          );
          const settled = await driveClock(clock, Promise.allSettled(calls));
          const stats = solver.stats();
          expect(stats.solved + stats.failed + stats.noSlot + stats.outage + stats.aborted).toBe(
            calls.length,
          );
          expect(stats.accepted).toBe(stats.solved + stats.failed);
          for (const s of settled) {
            if (s.status === 'fulfilled') continue;
            expect(s.reason).toBeInstanceOf(SimulatedSolverError);
          }
          // An answer's timeline is consistent, and no task started inside an outage.
          for (const s of settled) {
            if (s.status !== 'fulfilled') continue;
            const { acceptedAt, startedAt, finishedAt } = s.value;
            expect(acceptedAt).toBeLessThanOrEqual(startedAt);
            expect(startedAt).toBeLessThanOrEqual(finishedAt);
            for (const w of behaviour.outages ?? []) {
              expect(acceptedAt >= w.startMs && acceptedAt < w.endMs).toBe(false);
            }
          }
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 80 },
    );
  });
});
