import assert from 'node:assert/strict';
import { adaptiveMap, boundedBuffer, type Clock, compose, shed } from 'backpressure-kit';
import {
  type ArrivalPattern,
  arrivalSource,
  boundsGauge,
  checkConservation,
  driveClock,
  type SimulatedAnswer,
  simulatedSolver,
  VirtualClock,
} from 'backpressure-kit/testing';
import { burstyArrivals } from 'backpressure-kit/testing/arbitraries';
import fc from 'fast-check';

type Solve = (task: number, context: { signal: AbortSignal }) => Promise<SimulatedAnswer<number>>;

// Your pipeline: read ahead up to 20 tasks, solve up to 5 at once.
const myPipeline = (solve: Solve, clock: Clock) =>
  compose(
    boundedBuffer<number>({ highWaterMark: 20, clock }),
    adaptiveMap(solve, { max: 5, clock }),
  );

// The promise to prove: at most 20 buffered + 5 in flight + 1 in each of the 2 hand-offs.
const HELD_AT_MOST = 27;

async function holdsAtMostAndLosesNone(pipeline: typeof myPipeline, pattern: ArrivalPattern) {
  const clock = new VirtualClock();
  const solver = simulatedSolver<number>(
    { threads: 5, queueBound: 0, latency: { kind: 'uniform', minMs: 1_000, maxMs: 20_000 } },
    { clock },
  );
  // Held: taken from the producer, not yet in the sink.
  const held = boundsGauge('tasks held', HELD_AT_MOST, clock);
  const source = arrivalSource(pattern, { clock, gauge: held });
  const answers: SimulatedAnswer<number>[] = [];
  const sink = async () => {
    for await (const answer of pipeline(solver.solve, clock)(source)) {
      held.leave();
      answers.push(answer);
    }
  };
  await driveClock(clock, sink()); // hours of virtual time in milliseconds
  held.check(); // throws an InvariantViolation naming the first breach
  const tasks = source.times.map((_, task) => task);
  checkConservation({ inputs: tasks, outputs: answers, inputOf: (answer) => answer.item });
}

// For any bursty arrival pattern (up to 200 tasks), the pipeline keeps its promise.
await fc.assert(
  fc.asyncProperty(burstyArrivals({ maxItems: 200 }), (pattern) =>
    holdsAtMostAndLosesNone(myPipeline, pattern),
  ),
  { numRuns: 30 },
);
console.log(`holds at most ${HELD_AT_MOST} tasks and loses none`);

// Broken on purpose: shed instead of boundedBuffer, so the producer never waits...
const brokenPipeline = (solve: Solve, clock: Clock) =>
  compose(shed<number>({ capacity: 20 }), adaptiveMap(solve, { max: 5, clock }));

// ...and fast-check finds a burst that loses a task, then shrinks it to the smallest one.
const run = await fc.check(
  fc.asyncProperty(burstyArrivals({ maxItems: 200 }), (pattern) =>
    holdsAtMostAndLosesNone(brokenPipeline, pattern),
  ),
  { numRuns: 30, seed: 42 },
);
assert.ok(run.failed);
assert.deepEqual(run.counterexample, [{ kind: 'bursty', bursts: [25], gapMs: 0 }]);
assert.match(
  String(run.errorInstance),
  /^InvariantViolation: conservation: 1 of 25 inputs vanished/,
);
