import {
  adaptiveMap,
  boundedBuffer,
  breakerGate,
  circuitBreaker,
  rateLimit,
  shed,
} from 'backpressure-kit';
import { solveStage } from 'backpressure-kit/solver';
import type { VirtualClock } from 'backpressure-kit/testing';
import { fakeSolver, imageTasks } from '../solver/fake-solver.js';
import type { StageStats } from './expected-series.js';

/**
 * Two small real pipelines on a VirtualClock, with every kind of stage, drops, failures,
 * retries and resubmits: `shed → rateLimit → boundedBuffer → breakerGate → adaptiveMap` over
 * numbers, and `solveStage` over image tasks with a scripted solver.
 */
export function pipelines(clock: VirtualClock) {
  const drop = shed<number>({ capacity: 4, priority: (n) => n % 3 });
  const limiter = rateLimit<number>({ rate: 20, interval: 1_000, burst: 2, clock });
  const buffer = boundedBuffer<number>({ highWaterMark: 3, clock });
  const breaker = circuitBreaker({ clock, failureThreshold: 2, resetTimeout: 300 });
  const gate = breakerGate<number>(breaker);
  const map = adaptiveMap(
    breaker.wrap(async (n: number) => {
      await clock.sleep(40 + (n % 5) * 10);
      // An outage from 200 to 500 ms opens the breaker; item 5 always fails.
      if (n === 5 || (clock.now() >= 200 && clock.now() < 500)) throw new Error(`item ${n} failed`);
      return n;
    }),
    { max: 4, initial: 2, settle: true, clock },
  );
  const solver = fakeSolver(clock, (task, attempt) => {
    const id = Number(task.id);
    if (id % 4 === 1) return { ms: 80, fail: 'fatal-item' };
    if (id % 4 === 2 && attempt === 1) return { ms: 120, fail: 'unsolvable' };
    if (id === 3 && attempt === 1) return { ms: 10, fail: 'transient' };
    return { ms: 100 + id * 5 };
  });
  const solve = solveStage(solver, {
    clock,
    rateLimit: false,
    max: 3,
    retryDelay: 50,
    random: () => 0.5,
  });
  const stages = { drop, limiter, buffer, gate, breaker, map, solve };
  const kinds = () =>
    ({
      drop: { kind: 'shed', stats: drop.stats() },
      limiter: { kind: 'rateLimit', stats: limiter.stats() },
      buffer: { kind: 'boundedBuffer', stats: buffer.stats() },
      gate: { kind: 'breakerGate', stats: gate.stats() },
      breaker: { kind: 'circuitBreaker', stats: breaker.stats() },
      map: { kind: 'adaptiveMap', stats: map.stats() },
      solve: { kind: 'solveStage', stats: solve.stats() },
    }) as const satisfies Record<keyof typeof stages, StageStats>;
  // A producer finding an item every 10 ms: faster than the 20/s rate limit behind the shed.
  async function* produce() {
    for (let i = 0; i < 60; i++) {
      await clock.sleep(10);
      yield i;
    }
  }
  const runs = [map(gate(buffer(limiter(drop(produce()))))), solve(imageTasks(12))];
  return { stages, kinds, runs };
}

/**
 * Consumes every run, moving the VirtualClock from timer to timer; calls `step` after each
 * move (to scrape mid-flight). Resolves with the number of steps.
 */
export async function drive(
  clock: VirtualClock,
  runs: readonly AsyncIterable<unknown>[],
  step: () => Promise<void>,
): Promise<number> {
  let pending = runs.length;
  for (const run of runs) {
    void (async () => {
      try {
        for await (const _ of run);
      } finally {
        pending--;
      }
    })();
  }
  let steps = 0;
  while (pending > 0 && steps < 10_000) {
    const at = clock.nextTimerAt();
    if (at === undefined) await new Promise((resolve) => setImmediate(resolve));
    else await clock.advance(Math.max(0, at - clock.now()));
    await step();
    steps++;
  }
  if (pending > 0) throw new Error('the pipelines did not finish');
  return steps;
}
