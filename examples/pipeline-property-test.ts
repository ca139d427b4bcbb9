/**
 * A property test of your own pipeline with backpressure-kit/testing: for any arrival pattern of
 * the scraper and any behaviour of the solver service (threads, queue, latency, failures,
 * no-slot answers, outages), in virtual time:
 *
 * - every job gets exactly one result record (solved or failed), none lost or duplicated;
 * - the service never sees more calls at once than the pipeline's `max`;
 * - the producer is held back (it never has more than `bufferSize + max + 2` jobs taken and
 *   unfinished);
 * - nothing is left behind: no timer on the clock, no listener on the signal, source closed.
 *
 * Run: npx tsx examples/pipeline-property-test.ts (in a test framework, put the fc.assert in a
 * test case).
 */
import { pathToFileURL } from 'node:url';
import { adaptiveMap, boundedBuffer, type Clock, compose } from 'backpressure-kit';
import {
  arrivalSource,
  boundsGauge,
  checkCleanup,
  checkConservation,
  classifySimulatedOutcome,
  driveClock,
  probeListeners,
  type SimulatedAnswer,
  simulatedSolver,
  VirtualClock,
} from 'backpressure-kit/testing';
import { arrivalPatterns, solverBehaviours } from 'backpressure-kit/testing/arbitraries';
import fc from 'fast-check';

type Solve = (job: number, context: { signal: AbortSignal }) => Promise<SimulatedAnswer<number>>;

/** The pipeline under test: what your program builds, with the service and clock passed in. */
export function solvePipeline(solve: Solve, clock: Clock, { bufferSize = 10, max = 4 } = {}) {
  return compose(
    boundedBuffer<number>({ highWaterMark: bufferSize, clock }),
    adaptiveMap(solve, {
      max,
      settle: true, // one record per job
      classify: classifySimulatedOutcome, // no slot / outage: back off and retry the job
      dropRetries: 3,
      retryDelayMs: 500,
      clock,
    }),
  );
}

/** Runs the property; resolves to the number of scenarios checked. */
export async function main(numRuns = 40): Promise<number> {
  const bufferSize = 10;
  const max = 4;
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      arrivalPatterns({ maxItems: 60, maxIntervalMs: 2_000 }),
      solverBehaviours({ maxThreads: 6, maxQueue: 3, maxMs: 30_000, horizonMs: 120_000 }),
      async (pattern, behaviour) => {
        runs++;
        const clock = new VirtualClock();
        const service = simulatedSolver<number>(behaviour, { clock });
        const held = boundsGauge('jobs taken and unfinished', bufferSize + max + 2, clock);
        const source = arrivalSource(pattern, { clock, gauge: held });
        const controller = new AbortController();
        const listeners = probeListeners(controller.signal);
        const records: { item: number }[] = [];
        const run = solvePipeline(service.solve, clock, { bufferSize, max });
        await driveClock(
          clock,
          (async () => {
            for await (const record of run(source, { signal: controller.signal })) {
              held.leave();
              records.push(record);
            }
          })(),
        );
        held.check();
        const jobs = source.times.map((_, job) => job);
        checkConservation({ inputs: jobs, outputs: records, inputOf: (r) => r.item });
        if (service.stats().peakInFlight > max) {
          throw new Error(`${service.stats().peakInFlight} calls at once, above max ${max}`);
        }
        checkCleanup({ clock, listeners: [listeners], sources: [source] });
      },
    ),
    { numRuns },
  );
  console.log(`the pipeline kept its promises in ${runs} scenarios`);
  return runs;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
