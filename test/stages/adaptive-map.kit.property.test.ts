import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbortedError, adaptiveMap } from '../../src/index.js';
import { arrivalPatterns, solverBehaviours } from '../../src/testing/arbitraries/index.js';
import {
  type ArrivalPattern,
  arrivalSource,
  checkCleanup,
  checkConservation,
  checkOrder,
  classifySimulatedOutcome,
  collect,
  driveClock,
  probeListeners,
  type SolverBehaviour,
  simulatedSolver,
  VirtualClock,
} from '../../src/testing/index.js';
import { seededRandom } from '../../src/testing/seeded-random.js';

/**
 * adaptiveMap against the simulated solver service of `backpressure-kit/testing`, for any
 * arrival pattern and any service behaviour (threads, queue, latency, error mix, outages):
 * every item settles exactly once, the service never sees more than `max` calls at once,
 * `ordered` keeps input order, and nothing is left behind.
 */
/** A fresh virtual world for one run: clock, service, producer, and a watched signal. */
function world(pattern: ArrivalPattern, behaviour: SolverBehaviour) {
  const clock = new VirtualClock();
  const solver = simulatedSolver<number>(behaviour, { clock });
  const source = arrivalSource(pattern, { clock });
  const controller = new AbortController();
  const probe = probeListeners(controller.signal);
  return { clock, solver, source, controller, probe };
}

describe('adaptiveMap × simulated solver (testing kit)', () => {
  const options = fc.record({
    max: fc.integer({ min: 1, max: 12 }),
    ordered: fc.boolean(),
    dropRetries: fc.integer({ min: 0, max: 3 }),
  });

  it('settles every item exactly once, never runs more than max calls, keeps order when asked', async () => {
    await fc.assert(
      fc.asyncProperty(
        arrivalPatterns({ maxItems: 40, maxIntervalMs: 500 }),
        solverBehaviours({ maxThreads: 8, maxQueue: 4, maxMs: 5_000, horizonMs: 20_000 }),
        options,
        async (pattern, behaviour, { max, ordered, dropRetries }) => {
          const { clock, solver, source, controller, probe } = world(pattern, behaviour);
          const solve = adaptiveMap(solver.solve, {
            max,
            ordered,
            dropRetries,
            retryDelayMs: 100,
            retryMaxDelayMs: 1_000,
            settle: true,
            classify: classifySimulatedOutcome,
            random: seededRandom(behaviour.seed ?? 1),
            clock,
          });
          const results = await driveClock(
            clock,
            collect(solve(source, { signal: controller.signal })),
          );
          const inputs = source.times.map((_, i) => i);
          checkConservation({ inputs, outputs: results, inputOf: (r) => r.item });
          if (ordered) checkOrder(inputs, results, (r) => r.item);
          expect(solver.stats().peakInFlight).toBeLessThanOrEqual(max);
          const stats = solve.stats();
          expect(stats.succeeded + stats.failed).toBe(inputs.length);
          expect(stats.inFlight).toBe(0);
          checkCleanup({ clock, listeners: [probe], sources: [source] });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an abort at any virtual time rejects with an AbortError and leaves nothing behind', async () => {
    await fc.assert(
      fc.asyncProperty(
        arrivalPatterns({ maxItems: 40, maxIntervalMs: 500 }),
        solverBehaviours({ maxThreads: 8, maxQueue: 4, maxMs: 5_000, horizonMs: 20_000 }),
        fc.integer({ min: 0, max: 30_000 }),
        async (pattern, behaviour, abortAt) => {
          const { clock, solver, source, controller, probe } = world(pattern, behaviour);
          const solve = adaptiveMap(solver.solve, {
            max: 5,
            settle: true,
            classify: classifySimulatedOutcome,
            random: seededRandom(1),
            clock,
          });
          const timer = new AbortController();
          void clock.sleep(abortAt, timer.signal).then(
            () => controller.abort(),
            () => {},
          );
          const outcome = await driveClock(
            clock,
            collect(solve(source, { signal: controller.signal })).then(
              (results) => ({ results }),
              (error: unknown) => ({ error }),
            ),
          );
          timer.abort(); // the run ended before the abort was due
          if ('error' in outcome) {
            expect(outcome.error).toBeInstanceOf(AbortedError);
            expect(solver.stats().inFlight).toBe(0);
          } else {
            expect(outcome.results).toHaveLength(source.times.length);
          }
          checkCleanup({ clock, listeners: [probe], sources: [source] });
        },
      ),
      { numRuns: 60 },
    );
  });
});
