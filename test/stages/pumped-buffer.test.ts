import { describe, expect, it } from 'vitest';
import { boundedBuffer, PriorityError, shed } from '../../src/index.js';
import { FAIRNESS_BATCH } from '../../src/stages/pumped-buffer.js';
import { VirtualClock } from '../../src/testing/index.js';
import { manualSource, range, settle, trackedSyncSource } from '../helpers/sources.js';

/**
 * The protocol of the pumped-buffer core that `boundedBuffer` and `shed` share, checked
 * through both stages (the stage-specific rules live in their own test files).
 */

/** Conservation as each stage states it in `stats()`. */
const STAGES = {
  boundedBuffer: {
    create: () => boundedBuffer<number>(4),
    conserved: (s: { received: number; emitted: number; buffered: number; discarded: number }) =>
      s.received === s.emitted + s.buffered + s.discarded,
    discarded: (s: { discarded: number }) => s.discarded,
  },
  shed: {
    create: () => shed<number>(4),
    conserved: (s: { received: number; emitted: number; buffered: number; dropped: number }) =>
      s.received === s.emitted + s.dropped + s.buffered,
    discarded: (s: { droppedByReason: { discarded?: number } }) => s.droppedByReason.discarded,
  },
} as const;

/**
 * An async source whose pulls the test answers by hand; unlike `manualSource`, its `return()`
 * leaves a pending pull pending (as a source in the middle of an I/O call would), and it
 * counts `return()` calls.
 */
function stubbornSource() {
  const answers: ((result: IteratorResult<number>) => void)[] = [];
  const state = { pulls: 0, returns: 0 };
  const iterable: AsyncIterable<number> = {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        new Promise<IteratorResult<number>>((resolve) => {
          state.pulls++;
          answers.push(resolve);
        }),
      return: async () => {
        state.returns++;
        return { done: true, value: undefined };
      },
    }),
  };
  return { iterable, state, answer: (value: number) => answers.shift()!({ done: false, value }) };
}

describe('pumped-buffer core (boundedBuffer and shed)', () => {
  for (const [name, subject] of Object.entries(STAGES)) {
    it(`${name}: an item the source yields after the consumer stopped is received and discarded`, async () => {
      const source = stubbornSource();
      const stage = subject.create();
      const iterator = stage(source.iterable)[Symbol.asyncIterator]();
      const first = iterator.next();
      await settle();
      source.answer(1);
      expect(await first).toEqual({ done: false, value: 1 });
      await settle();
      expect(source.state.pulls).toBe(2); // the pump's next pull is pending
      await iterator.return?.();
      expect(source.state.returns).toBe(1);
      source.answer(2); // the pending pull answers after all
      await settle();
      const stats = stage.stats() as never;
      expect(subject.discarded(stats)).toBe(1);
      expect(subject.conserved(stats)).toBe(true);
      expect(stage.stats()).toMatchObject({ received: 2, emitted: 1, buffered: 0 });
      expect(source.state.pulls).toBe(2);
    });

    it(`${name}: with several consumers parked, a source error goes to the oldest, the end to the rest`, async () => {
      const source = manualSource<number>();
      const iterator = subject.create()(source.iterable)[Symbol.asyncIterator]();
      const outcomes = [iterator.next(), iterator.next(), iterator.next()].map((p) =>
        p.then(
          (result) => result,
          (error: unknown) => error,
        ),
      );
      const failure = new Error('source failed');
      source.push(7);
      source.fail(failure);
      expect(await Promise.all(outcomes)).toEqual([
        { done: false, value: 7 },
        failure,
        { done: true, value: undefined },
      ]);
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(source.state.returned).toBe(false); // a failed source has cleaned up itself
    });

    it(`${name}: an async source's next() may give a plain result or a thenable, and may throw synchronously`, async () => {
      const failure = new Error('next threw');
      const state = { pulls: 0, returned: false };
      const iterable = {
        [Symbol.asyncIterator]: () => ({
          next: (): unknown => {
            state.pulls++;
            if (state.pulls === 1) return { done: false, value: 1 }; // not a promise
            if (state.pulls === 2) {
              return {
                // biome-ignore lint/suspicious/noThenProperty: the case under test is a thenable result
                then: (resolve: (r: unknown) => void) => resolve({ done: false, value: 2 }),
              };
            }
            throw failure;
          },
          return: async () => {
            state.returned = true;
            return { done: true, value: undefined };
          },
        }),
      } as unknown as AsyncIterable<number>;
      const stage = subject.create();
      const iterator = stage(iterable)[Symbol.asyncIterator]();
      expect(await iterator.next()).toEqual({ done: false, value: 1 });
      expect(await iterator.next()).toEqual({ done: false, value: 2 });
      await expect(iterator.next()).rejects.toBe(failure);
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(state).toEqual({ pulls: 3, returned: false }); // a failed source has cleaned up itself
      expect(subject.conserved(stage.stats() as never)).toBe(true);
    });

    it(`${name}: return() and a later abort call the source's return() once`, async () => {
      const source = stubbornSource();
      const controller = new AbortController();
      const iterator = subject
        .create()(source.iterable, { signal: controller.signal })
        [Symbol.asyncIterator]();
      const first = iterator.next();
      source.answer(1);
      await first;
      await Promise.all([iterator.return?.(), iterator.return?.()]);
      controller.abort();
      await settle();
      expect(source.state.returns).toBe(1);
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    });
  }

  it('shed: a failing priority function returns the source (it did not fail itself)', async () => {
    const source = manualSource<number>();
    const iterator = shed<number>({
      capacity: 2,
      priority: (x) => {
        if (x === 3) throw new Error('no priority for 3');
        return x;
      },
    })(source.iterable)[Symbol.asyncIterator]();
    const head = iterator.next();
    for (const x of [1, 2, 3]) source.push(x);
    await settle();
    expect((await head).value).toBe(1);
    expect((await iterator.next()).value).toBe(2);
    await expect(iterator.next()).rejects.toBeInstanceOf(PriorityError);
    await settle();
    expect(source.state.returned).toBe(true);
  });

  it('boundedBuffer: a sync source refills in place; the time it waits on a full buffer counts', async () => {
    const clock = new VirtualClock();
    const { iterable, state } = trackedSyncSource(range(6));
    const buffer = boundedBuffer<number>({ highWaterMark: 3, clock });
    const iterator = buffer(iterable)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe(0);
    expect(state.pulled).toBe(3); // one synchronous batch up to the bound
    await clock.advance(40);
    await iterator.next();
    await iterator.next(); // the ring is empty again; the source still waits
    expect(state.pulled).toBe(3);
    await clock.advance(60);
    expect((await iterator.next()).value).toBe(3); // refilled: the producer waited 100 ms
    expect(state.pulled).toBe(6);
    expect(buffer.stats()).toMatchObject({ producerWaitMs: 100, peakBuffered: 3 });
    await iterator.return?.();
    expect(state.closed).toBe(true);
  });

  it(`boundedBuffer: a bound above ${FAIRNESS_BATCH} over a sync source refills at most ${FAIRNESS_BATCH} items per next()`, async () => {
    const { iterable, state } = trackedSyncSource(range(5_000));
    const iterator = boundedBuffer<number>(100_000)(iterable)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 0 });
    expect(state.pulled).toBe(FAIRNESS_BATCH);
    const rest: number[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value);
    expect(rest).toEqual(range(5_000).slice(1));
  });
});
