/**
 * Test sources that record how they were used. The tracked ones are `backpressure-kit/testing`'s
 * `trackedSource` (published for users' own stage tests); the rest are test-only.
 */
import { naturals, trackedSource } from '../../src/testing/index.js';

/** Lets queued promise callbacks and immediates run. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A sync generator over `items` that records pulls and whether its `finally` ran. */
export function trackedSyncSource<T>(items: Iterable<T>, options: { failWith?: unknown } = {}) {
  return trackedSource(items, { ...options, sync: true });
}

/** An async generator over `items` that records pulls and whether its `finally` ran. */
export { trackedSource };

/** The numbers 0, 1, … `count - 1`. */
export function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** An endless async source of 0, 1, 2, … */
export function endlessSource() {
  return trackedSource(naturals());
}

/**
 * A source the test feeds by hand: `push(value)` makes the next pull resolve, `end()` ends it,
 * `fail(error)` rejects the next pull.
 */
export function manualSource<T>() {
  const pending: ({ ok: IteratorResult<T> } | { error: unknown })[] = [];
  const waiters: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  const state = { pulls: 0, returned: false };
  const deliver = (): void => {
    while (waiters.length > 0 && pending.length > 0) {
      const waiter = waiters.shift()!;
      const next = pending.shift()!;
      if ('ok' in next) waiter.resolve(next.ok);
      else waiter.reject(next.error);
    }
  };
  const iterable: AsyncIterable<T> = {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        new Promise<IteratorResult<T>>((resolve, reject) => {
          state.pulls++;
          waiters.push({ resolve, reject });
          deliver();
        }),
      return: async () => {
        state.returned = true;
        for (const waiter of waiters.splice(0)) waiter.resolve({ done: true, value: undefined });
        return { done: true, value: undefined };
      },
    }),
  };
  return {
    iterable,
    state,
    /** Pulls waiting for a value right now. */
    waiting: () => waiters.length,
    push(value: T) {
      pending.push({ ok: { done: false, value } });
      deliver();
    },
    end() {
      pending.push({ ok: { done: true, value: undefined } });
      deliver();
    },
    fail(error: unknown) {
      pending.push({ error });
      deliver();
    },
  };
}
