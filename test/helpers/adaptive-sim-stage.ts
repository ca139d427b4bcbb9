/**
 * The same solver-service model as `adaptive-sim-model.ts`, but served through the real
 * `adaptiveMap` stage under a `VirtualClock`: every call is a promise, every wait a virtual
 * sleep. Used to show that the stage and the pure controller agree.
 */
import { adaptiveMap } from '../../src/index.js';
import { mulberry32 as rng } from '../../src/internal/mulberry32.js';
import type { LimitAlgorithm } from '../../src/limit/limit-algorithm.js';
import { VirtualClock } from '../../src/testing/index.js';
import { newTrace, type RunTrace, type Scenario, serviceTime } from './adaptive-sim-model.js';

class NoSlotError extends Error {
  constructor() {
    super('ERROR_NO_SLOT_AVAILABLE');
  }
}
class ClientTimeoutError extends Error {
  constructor() {
    super('client timeout');
  }
}

/** Runs `scenario` through `adaptiveMap` with `algorithm`; returns the same trace as `simulate`. */
export async function simulateStage(
  s: Scenario,
  algorithm: LimitAlgorithm,
  initial = 4,
): Promise<RunTrace> {
  const clock = new VirtualClock();
  const trace = newTrace();
  let busy = 0;
  const queue: (() => void)[] = [];
  let calls = 0;
  const capacity = () => (clock.now() < s.dropAtMs ? s.capacity : s.capacityAfter);
  const next = () => {
    while (busy < capacity() && queue.length > 0) queue.shift()!();
  };
  /** The provider: a worker when free, else its queue, else an immediate rejection. */
  const provider = (n: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const serve = () => {
        busy++;
        clock.sleep(serviceTime(s, n)).then(() => {
          busy--;
          resolve();
          next();
        });
      };
      if (busy < capacity()) serve();
      else if (queue.length < s.queueBound) queue.push(serve);
      else clock.sleep(s.rejectMs).then(() => reject(new NoSlotError()));
    });
  const call = async (_item: number, { signal }: { signal: AbortSignal }) => {
    const n = calls++;
    trace.calls++;
    const startedAt = clock.now();
    // The client gives up after timeoutMs; the provider keeps the worker busy regardless.
    const timer = new AbortController();
    const onAbort = () => timer.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([
        provider(n),
        clock.sleep(s.timeoutMs, timer.signal).then(() => {
          throw new ClientTimeoutError();
        }),
      ]);
    } finally {
      timer.abort();
      signal.removeEventListener('abort', onAbort);
    }
    trace.done.push([clock.now(), clock.now() - startedAt]);
  };
  const stage = adaptiveMap(call, {
    min: 1,
    max: 500,
    initial,
    limit: algorithm,
    clock,
    dropRetries: Number.POSITIVE_INFINITY,
    random: rng(s.seed * 7919),
    classify: ({ error }) => {
      if (error === undefined) return 'success';
      if (error instanceof NoSlotError) {
        trace.rejects++;
        return 'drop';
      }
      if (error instanceof ClientTimeoutError) {
        trace.timeouts++;
        return 'drop';
      }
      return 'failure';
    },
  });
  function* backlog() {
    for (let i = 0; ; i++) yield i;
  }
  const controller = new AbortController();
  const consumer = (async () => {
    for await (const _ of stage(backlog(), { signal: controller.signal })) {
      // results are recorded in `call`
    }
  })().catch(() => {});
  for (let t = 0; t < s.durationMs / 1000; t++) {
    const stats = stage.stats();
    trace.limit.push(stats.limit);
    trace.inFlight.push(stats.inFlight);
    await clock.advance(1000);
  }
  controller.abort();
  await clock.runAll(1_000_000);
  await consumer;
  return trace;
}
