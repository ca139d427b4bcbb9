import { trackedSource, type VirtualClock } from '../../src/testing/index.js';

/** Consumes `iterable` while moving virtual time forward; rejects with what the stage threw. */
export async function drainWithClock<T>(
  clock: VirtualClock,
  iterable: AsyncIterable<T>,
  step = 100,
): Promise<T[]> {
  const out: T[] = [];
  let done = false;
  const consumer = (async () => {
    try {
      for await (const x of iterable) out.push(x);
    } finally {
      done = true;
    }
  })();
  consumer.catch(() => {});
  for (let i = 0; !done; i++) {
    if (i > 100_000) throw new Error('the stage never finished');
    await clock.advance(step);
  }
  await consumer;
  return out;
}

/** A source that records how many items were pulled and whether its `finally` ran. */
export function recordedSource<T>(items: readonly T[], { async = true } = {}) {
  return trackedSource(items, { sync: !async });
}

/** An endless source of 0, 1, 2, … that records pulls and its `finally`. */
export { endlessSource } from '../helpers/sources.js';

/**
 * An async identity fn that sleeps `delayMs(item, running)` on `clock` and counts its calls:
 * `state.peak` is the most in flight at once, `state.finished` the items in finishing order.
 */
export function countedFn<T>(clock: VirtualClock, delayMs: (item: T, running: number) => number) {
  const state = { running: 0, peak: 0, finished: [] as T[] };
  const fn = async (item: T): Promise<T> => {
    state.running++;
    state.peak = Math.max(state.peak, state.running);
    await clock.sleep(delayMs(item, state.running));
    state.running--;
    state.finished.push(item);
    return item;
  };
  return { fn, state };
}
