import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adaptiveMap,
  boundedBuffer,
  breakerGate,
  hasErrorCode,
  InvalidIteratorResultError,
  InvalidSourceError,
  rateLimit,
  shed,
} from '../../src/index.js';
import type { Stage } from '../../src/stage.js';
import { manualSource, settle } from '../helpers/sources.js';

/** Every stage, as a fresh pass-through `Stage<number, number>`. */
const STAGES: Record<string, () => Stage<number, unknown>> = {
  adaptiveMap: () => adaptiveMap((x: number) => x, { max: 4 }),
  orderedAdaptiveMap: () => adaptiveMap(async (x: number) => x, { max: 4, ordered: true }),
  shed: () => shed<number>(1_000),
  boundedBuffer: () => boundedBuffer<number>(8),
  rateLimit: () => rateLimit<number>({ rate: 1_000_000, interval: 1, burst: 1_000 }),
  breakerGate: () => breakerGate<number>(),
};

/** The same stages with their own `signal` option. */
const SIGNALLED: Record<string, (signal: AbortSignal) => Stage<number, unknown>> = {
  adaptiveMap: (signal) => adaptiveMap((x: number) => x, { max: 4, signal }),
  orderedAdaptiveMap: (signal) =>
    adaptiveMap(async (x: number) => x, { max: 4, ordered: true, signal }),
  shed: (signal) => shed<number>({ capacity: 1_000, signal }),
  boundedBuffer: (signal) => boundedBuffer<number>({ highWaterMark: 8, signal }),
  rateLimit: (signal) => rateLimit<number>({ rate: 1_000_000, interval: 1, burst: 1_000, signal }),
  breakerGate: (signal) => breakerGate<number>(undefined, { signal }),
};

/**
 * A hand-written source (sync or async) that yields `good` items, then `bad` as the result of
 * the next `next()`; records pulls and whether `return()` was called.
 */
function brokenSource(good: number, bad: unknown, isAsync: boolean) {
  const state = { pulls: 0, returned: false };
  const next = () => {
    state.pulls++;
    return state.pulls <= good ? { done: false, value: state.pulls - 1 } : bad;
  };
  const ret = () => {
    state.returned = true;
    return { done: true, value: undefined };
  };
  const iterable = isAsync
    ? {
        [Symbol.asyncIterator]: () => ({
          next: async () => next(),
          return: async () => ret(),
        }),
      }
    : { [Symbol.iterator]: () => ({ next, return: ret }) };
  return { iterable: iterable as Iterable<number> | AsyncIterable<number>, state };
}

async function consume(iterable: AsyncIterable<unknown>) {
  const out: unknown[] = [];
  try {
    for await (const x of iterable) out.push(x);
  } catch (error) {
    return { out, error };
  }
  return { out, error: undefined };
}

const MALFORMED = [null, undefined, 42, 'x', true, Symbol('r')];

describe('every stage refuses a malformed iterator result', () => {
  for (const [name, create] of Object.entries(STAGES)) {
    for (const isAsync of [false, true]) {
      it(`${name} over a ${isAsync ? 'async' : 'sync'} source: typed error, source returned, no more pulls`, async () => {
        for (const bad of MALFORMED) {
          const source = brokenSource(3, bad, isAsync);
          const { out, error } = await consume(create()(source.iterable));
          expect(error).toBeInstanceOf(InvalidIteratorResultError);
          expect(error).toBeInstanceOf(TypeError);
          expect(hasErrorCode(error, 'ERR_BPK_INVALID_ITERATOR_RESULT')).toBe(true);
          expect((error as InvalidIteratorResultError).received).toBe(bad);
          expect(out).toEqual([0, 1, 2]);
          await settle();
          expect(source.state.returned).toBe(true);
          const pulls = source.state.pulls;
          await settle();
          expect(source.state.pulls).toBe(pulls);
          expect(pulls).toBe(4);
        }
      });
    }
  }

  it('property: the items before the malformed result arrive in order, then the error (all stages)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(STAGES)),
        fc.nat({ max: 40 }),
        fc.constantFrom(...MALFORMED),
        fc.boolean(),
        async (name, good, bad, isAsync) => {
          const source = brokenSource(good, bad, isAsync);
          const { out, error } = await consume(STAGES[name]!()(source.iterable));
          expect(hasErrorCode(error, 'ERR_BPK_INVALID_ITERATOR_RESULT')).toBe(true);
          expect([...out].sort((a, b) => (a as number) - (b as number))).toEqual(
            Array.from({ length: good }, (_, i) => i),
          );
          await settle();
          expect(source.state.returned).toBe(true);
          expect(source.state.pulls).toBe(good + 1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('every stage refuses a non-iterable source with one typed error', () => {
  const notSources: unknown[] = [
    null,
    undefined,
    42,
    {},
    { [Symbol.iterator]: 1 },
    { [Symbol.asyncIterator]: () => null },
    { [Symbol.iterator]: () => ({}) },
  ];
  for (const [name, create] of Object.entries(STAGES)) {
    it(`${name}`, () => {
      for (const bad of notSources) {
        let caught: unknown;
        try {
          create()(bad as Iterable<number>);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(InvalidSourceError);
        expect(caught).toBeInstanceOf(TypeError);
        expect(hasErrorCode(caught, 'ERR_BPK_INVALID_SOURCE')).toBe(true);
      }
    });
  }
});

describe('next() never throws synchronously', () => {
  for (const [name, create] of Object.entries(STAGES)) {
    it(`${name}: a source whose next() throws synchronously gives a rejected promise, then the end`, async () => {
      const failure = new Error('next threw');
      for (const isAsync of [false, true]) {
        const throwing = {
          next: () => {
            throw failure;
          },
        };
        const iterable = isAsync
          ? { [Symbol.asyncIterator]: () => throwing }
          : { [Symbol.iterator]: () => throwing };
        const iterator = create()(iterable as Iterable<number>)[Symbol.asyncIterator]();
        let result: Promise<unknown> | undefined;
        expect(() => {
          result = iterator.next();
        }).not.toThrow();
        await expect(result).rejects.toBe(failure);
        // The failed pull left nothing pending: the next call answers the end at once.
        expect(await iterator.next()).toEqual({ done: true, value: undefined });
      }
    });
  }
});

describe('an async iterator whose next() answers a plain result is read as if it were a promise', () => {
  for (const [name, create] of Object.entries(STAGES)) {
    it(name, async () => {
      let pulls = 0;
      const plain = {
        [Symbol.asyncIterator]: () => ({
          next: () =>
            pulls < 3 ? { done: false, value: pulls++ } : { done: true, value: undefined },
        }),
      };
      const { out, error } = await consume(create()(plain as unknown as AsyncIterable<number>));
      expect(error).toBeUndefined();
      expect([...(out as number[])].sort()).toEqual([0, 1, 2]);
    });
  }
});

describe("an abort while the source's next() is pending settles the consumer", () => {
  for (const [name, create] of Object.entries(STAGES)) {
    for (const signal of ['options', 'context'] as const) {
      it(`${name} (${signal} signal)`, async () => {
        const source = manualSource<number>();
        const controller = new AbortController();
        const stage =
          signal === 'context'
            ? create()
            : (SIGNALLED[name]!(controller.signal) as Stage<number, unknown>);
        const context = signal === 'context' ? { signal: controller.signal } : undefined;
        const iterator = stage(source.iterable, context)[Symbol.asyncIterator]();
        source.push(0);
        await expect(iterator.next()).resolves.toEqual({ done: false, value: 0 });
        const pending = iterator.next();
        const outcome = pending.then(
          () => 'resolved',
          (error: unknown) => error,
        );
        await settle();
        expect(source.waiting()).toBe(1); // the stage's pull is pending in the source
        controller.abort(new Error('stop'));
        const error = await outcome;
        expect((error as Error).name).toBe('AbortError');
        await settle();
        expect(source.state.returned).toBe(true);
        await expect(iterator.next()).resolves.toMatchObject({ done: true });
      });
    }
  }
});

describe('an item the source yields after the abort won the race is discarded, not lost', () => {
  for (const name of ['rateLimit', 'breakerGate'] as const) {
    it(name, async () => {
      let answer: ((result: IteratorResult<number>) => void) | undefined;
      let returned = false;
      const source: AsyncIterable<number> = {
        [Symbol.asyncIterator]: () => ({
          next: () =>
            new Promise<IteratorResult<number>>((resolve) => {
              answer = resolve;
            }),
          return: async () => {
            returned = true; // answers at once; the pending next() stays pending
            return { done: true, value: undefined };
          },
        }),
      };
      const controller = new AbortController();
      const stage =
        name === 'rateLimit'
          ? rateLimit<number>({ rate: 1_000, interval: 1, burst: 10 })
          : breakerGate<number>();
      const pending = stage(source, { signal: controller.signal })[Symbol.asyncIterator]().next();
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      await settle();
      expect(returned).toBe(true);
      answer!({ done: false, value: 7 });
      await settle();
      expect(stage.stats()).toMatchObject({ passed: 0, discarded: 1 });
    });
  }
});

describe('a sync pull cannot be raced: an abort fired inside it answers the next call', () => {
  for (const name of ['rateLimit', 'breakerGate']) {
    it(name, async () => {
      const controller = new AbortController();
      let returned = false;
      function* aborting() {
        try {
          yield 0;
          controller.abort(new Error('stop'));
          yield 1;
          yield 2;
        } finally {
          returned = true;
        }
      }
      const it = SIGNALLED[name]!(controller.signal)(aborting())[Symbol.asyncIterator]();
      expect(await it.next()).toEqual({ done: false, value: 0 });
      // The pull ran to its end inside next(): its item passes, as on the queued path.
      expect(await it.next()).toEqual({ done: false, value: 1 });
      expect(returned).toBe(false);
      await expect(it.next()).rejects.toMatchObject({
        name: 'AbortError',
        code: 'ERR_BPK_ABORTED',
      });
      expect(returned).toBe(true);
      expect(await it.next()).toEqual({ done: true, value: undefined });
    });
  }
});
