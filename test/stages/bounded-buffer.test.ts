import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { boundedBuffer, InvalidOptionTypeError, InvalidOptionValueError } from '../../src/index.js';
import { trackedAbortController, VirtualClock } from '../../src/testing/index.js';
import {
  endlessSource,
  manualSource,
  settle,
  trackedSource,
  trackedSyncSource,
} from '../helpers/sources.js';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

describe('boundedBuffer: options', () => {
  it.each([
    [0, InvalidOptionValueError, /`highWaterMark` to be an integer from 1 and up, got 0/],
    [1.5, InvalidOptionValueError, /got 1.5/],
    [-3, InvalidOptionValueError, /got -3/],
    [Number.NaN, InvalidOptionValueError, /got NaN/],
    ['50', InvalidOptionTypeError, /`highWaterMark` to be an integer from 1 and up, got "50"/],
  ])('boundedBuffer(%j) throws at once', (value, type, message) => {
    expect(() => boundedBuffer(value as number)).toThrow(type);
    expect(() => boundedBuffer(value as number)).toThrow(message);
  });

  it('rejects bad option objects with typed errors', () => {
    expect(() => boundedBuffer({ highWaterMark: 0 })).toThrow(RangeError);
    expect(() => boundedBuffer({} as { highWaterMark: number })).toThrow(TypeError);
    expect(() =>
      boundedBuffer({ highWaterMark: 2, signal: 'x' as unknown as AbortSignal }),
    ).toThrow(/`signal` to be an AbortSignal/);
    try {
      boundedBuffer(0);
    } catch (error) {
      expect(error).toMatchObject({
        code: 'ERR_BPK_INVALID_OPTION_VALUE',
        option: 'highWaterMark',
        received: 0,
        name: 'InvalidOptionValueError',
      });
    }
  });
});

describe('boundedBuffer: flow', () => {
  it('passes every item in order', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const { iterable, state } = trackedSource(items);
    expect(await collect(boundedBuffer<number>(7)(iterable))).toEqual(items);
    expect(state.closed).toBe(true);
  });

  it('reads ahead exactly highWaterMark items, then stops pulling', async () => {
    const { iterable, state } = trackedSource(Array.from({ length: 100 }, (_, i) => i));
    const buffer = boundedBuffer<number>(5);
    const iterator = buffer(iterable)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe(0);
    await settle();
    // One handed over, five held; the source is not asked for more.
    expect(state.pulled).toBe(6);
    expect(buffer.stats()).toMatchObject({ buffered: 5, received: 6, emitted: 1, peakBuffered: 5 });
    await iterator.next();
    await settle();
    expect(state.pulled).toBe(7);
    await iterator.return?.();
    expect(state.closed).toBe(true);
    expect(buffer.stats()).toMatchObject({ buffered: 0, discarded: 5 });
  });

  it('measures the time its producer waited on a full buffer', async () => {
    const clock = new VirtualClock();
    const source = manualSource<number>();
    const buffer = boundedBuffer<number>({ highWaterMark: 2, clock });
    const iterator = buffer(source.iterable)[Symbol.asyncIterator]();
    const first = iterator.next();
    for (const v of [1, 2, 3]) source.push(v);
    expect((await first).value).toBe(1);
    await settle();
    expect(buffer.stats().buffered).toBe(2);
    await clock.advance(250);
    await iterator.next(); // makes room: the producer is pulled again
    expect(buffer.stats().producerWaitMs).toBe(250);
    await iterator.return?.();
  });

  it('delivers a source error after every earlier item, as the original error', async () => {
    const failure = new Error('boom');
    for (const make of [trackedSource, trackedSyncSource]) {
      const { iterable } = make([1, 2, 3], { failWith: failure });
      const seen: number[] = [];
      const buffer = boundedBuffer<number>(2);
      await expect(
        (async () => {
          for await (const x of buffer(iterable)) seen.push(x);
        })(),
      ).rejects.toBe(failure);
      expect(seen).toEqual([1, 2, 3]);
    }
  });

  it('delivers buffered items before a later source error with a slow consumer', async () => {
    const failure = new Error('late');
    const source = manualSource<number>();
    const iterator = boundedBuffer<number>(4)(source.iterable)[Symbol.asyncIterator]();
    const first = iterator.next();
    source.push(1);
    source.push(2);
    source.fail(failure);
    await settle();
    expect(await first).toEqual({ done: false, value: 1 });
    expect(await iterator.next()).toEqual({ done: false, value: 2 });
    await expect(iterator.next()).rejects.toBe(failure);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('reads a sync source in batches, bounded by highWaterMark', async () => {
    const { iterable, state } = trackedSyncSource(Array.from({ length: 10 }, (_, i) => i));
    const buffer = boundedBuffer<number>(4);
    const iterator = buffer(iterable)[Symbol.asyncIterator]();
    await iterator.next();
    expect(state.pulled).toBe(4);
    expect(buffer.stats()).toMatchObject({ buffered: 3, peakBuffered: 4 });
    const rest: number[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value);
    expect(rest).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(state.closed).toBe(true);
  });
});

describe('boundedBuffer: memory follows what it holds, not the bound', () => {
  it('takes bounds above 2^31 and reads ahead as usual (sync and async sources)', async () => {
    for (const highWaterMark of [2 ** 31 + 1, 2 ** 32, 2 ** 53 - 1]) {
      const buffer = boundedBuffer<number>(highWaterMark);
      const out: number[] = [];
      for await (const x of buffer([0, 1, 2])) out.push(x);
      for await (const x of buffer(trackedSource([3, 4]).iterable)) out.push(x);
      expect(out).toEqual([0, 1, 2, 3, 4]);
      expect(buffer.stats()).toMatchObject({ highWaterMark, peakBuffered: 3 });
    }
  });
});

describe('boundedBuffer: cleanup', () => {
  it('returns its source on break and leaves no listener', async () => {
    const tracked = trackedAbortController();
    const { iterable, state } = endlessSource();
    const buffer = boundedBuffer<number>(16);
    let n = 0;
    for await (const _ of buffer(iterable, { signal: tracked.signal })) if (++n === 10) break;
    expect(state.closed).toBe(true);
    await settle();
    expect(tracked.listeners()).toBe(0);
    const stats = buffer.stats();
    expect(stats.received).toBe(stats.emitted + stats.buffered + stats.discarded);
  });

  it('aborts on its own signal: rejects with AbortError, stops pulling, closes the source', async () => {
    const controller = new AbortController();
    const { iterable, state } = endlessSource();
    const buffer = boundedBuffer<number>({ highWaterMark: 8, signal: controller.signal });
    const reason = new Error('shutdown');
    let n = 0;
    const run = (async () => {
      for await (const _ of buffer(iterable)) if (++n === 3) controller.abort(reason);
    })();
    await expect(run).rejects.toMatchObject({
      name: 'AbortError',
      code: 'ERR_BPK_ABORTED',
      cause: reason,
    });
    await settle();
    expect(state.closed).toBe(true);
    const pulled = state.pulled;
    await settle();
    expect(state.pulled).toBe(pulled);
  });

  it("rejects a parked consumer at once when pipeline's signal aborts", async () => {
    const controller = new AbortController();
    const source = manualSource<number>();
    const iterator = boundedBuffer<number>(2)(source.iterable, { signal: controller.signal })[
      Symbol.asyncIterator
    ]();
    const parked = iterator.next();
    controller.abort();
    await expect(parked).rejects.toMatchObject({ name: 'AbortError' });
    expect(source.state.returned).toBe(true);
  });

  it('rejects at once when started with an aborted signal', async () => {
    const { iterable, state } = trackedSource([1, 2, 3]);
    const iterator = boundedBuffer<number>(2)(iterable, { signal: AbortSignal.abort() })[
      Symbol.asyncIterator
    ]();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(state.pulled).toBe(0);
  });

  it('closes the source when a later pipeline step fails', async () => {
    const { iterable, state } = endlessSource();
    const failure = new Error('sink');
    await expect(
      pipeline(iterable, boundedBuffer<number>(4), async (source: AsyncIterable<number>) => {
        for await (const x of source) if (x === 20) throw failure;
      }),
    ).rejects.toBe(failure);
    await settle();
    expect(state.closed).toBe(true);
  });

  it('can be run more than once; stats add up', async () => {
    const buffer = boundedBuffer<number>(3);
    await collect(buffer([1, 2, 3]));
    await collect(buffer(trackedSource([4, 5]).iterable));
    expect(buffer.stats()).toMatchObject({ received: 5, emitted: 5, buffered: 0 });
  });
});
