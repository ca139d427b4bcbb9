import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedBuffer, type DropReason, shed } from '../../src/index.js';
import type { Stage } from '../../src/stage.js';
import { settle } from '../helpers/sources.js';

/**
 * The pumped-buffer core's protocol, through both stages built on it, for any source (sync or
 * async, ending or failing after any number of items), any capacity and any consumer (draining,
 * stopping with `return()`, or aborting after any number of items, with any pauses):
 * - what comes out is in order and was put in (all of it, for `boundedBuffer` drained to the end);
 * - every item received is emitted, still buffered, or released, as the stage's stats say;
 * - a source error reaches the consumer exactly once, as the original error, after which the
 *   iterator is done; an abort gives an `AbortError`;
 * - the source is returned once if the stage stopped it before it ended by itself, never if
 *   the stage was not stopped, and is never pulled after it ended or was returned.
 */

type Ending = { kind: 'end' } | { kind: 'fail' };
type Consumer =
  | { kind: 'drain' }
  | { kind: 'return'; after: number }
  | { kind: 'abort'; after: number };

/** A hand-written source of 0 … n - 1 that records its use. */
function recordingSource(n: number, ending: Ending, isAsync: boolean) {
  const state = { pulls: 0, pullsAfterClose: 0, returns: 0, ended: false };
  const failure = new Error('source failed');
  const next = (): IteratorResult<number> => {
    if (state.ended || state.returns > 0) state.pullsAfterClose++;
    const i = state.pulls++;
    if (i < n) return { done: false, value: i };
    state.ended = true;
    if (ending.kind === 'fail') throw failure;
    return { done: true, value: undefined };
  };
  const ret = (): IteratorResult<number> => {
    state.returns++;
    return { done: true, value: undefined };
  };
  const iterable = isAsync
    ? { [Symbol.asyncIterator]: () => ({ next: async () => next(), return: async () => ret() }) }
    : { [Symbol.iterator]: () => ({ next, return: ret }) };
  return { iterable: iterable as Iterable<number> | AsyncIterable<number>, state, failure };
}

interface Subject {
  stage: Stage<number, number> & { stats(): object };
  lossless: boolean;
  /** received minus everything accounted for; 0 when conserved. */
  unaccounted(): number;
  released(): number;
}

function subjects(capacity: number, signal: AbortSignal): Subject[] {
  const buffer = boundedBuffer<number>({ highWaterMark: capacity, signal });
  const drops: [number, DropReason][] = [];
  const shedding = shed<number>({
    capacity,
    signal,
    priority: (x) => x % 3,
    onDrop: (x, reason) => drops.push([x, reason]),
  });
  return [
    {
      stage: buffer,
      lossless: true,
      unaccounted: () => {
        const s = buffer.stats();
        return s.received - s.emitted - s.buffered - s.discarded;
      },
      released: () => buffer.stats().discarded,
    },
    {
      stage: shedding,
      lossless: false,
      unaccounted: () => {
        const s = shedding.stats();
        expect(s.dropped).toBe(drops.length);
        return s.received - s.emitted - s.buffered - s.dropped;
      },
      released: () => shedding.stats().droppedByReason.discarded ?? 0,
    },
  ];
}

describe('pumped-buffer core properties (boundedBuffer and shed)', () => {
  it('order, conservation, one error, and the source returned once when stopped', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 60 }),
        fc.constantFrom<Ending>({ kind: 'end' }, { kind: 'fail' }),
        fc.boolean(),
        fc.integer({ min: 1, max: 8 }),
        fc.oneof(
          fc.constant<Consumer>({ kind: 'drain' }),
          fc.record({ kind: fc.constant('return' as const), after: fc.nat({ max: 60 }) }),
          fc.record({ kind: fc.constant('abort' as const), after: fc.nat({ max: 60 }) }),
        ),
        fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 1 }),
        async (n, ending, isAsync, capacity, consumer, pauses, which) => {
          const controller = new AbortController();
          const subject = subjects(capacity, controller.signal)[which]!;
          const source = recordingSource(n, ending, isAsync);
          const iterator = subject.stage(source.iterable)[Symbol.asyncIterator]();
          const out: number[] = [];
          const errors: unknown[] = [];
          let stoppedEarly = false;
          for (;;) {
            if (consumer.kind !== 'drain' && out.length === consumer.after) {
              stoppedEarly = true;
              if (consumer.kind === 'return') await iterator.return?.();
              else controller.abort();
              break;
            }
            let result: IteratorResult<number>;
            try {
              result = await iterator.next();
            } catch (error) {
              errors.push(error);
              break;
            }
            if (result.done) break;
            out.push(result.value);
            await settle(pauses[out.length % pauses.length]!);
          }
          // After a stop, an error or the end, the iterator is done (or reports the abort once).
          const after = await iterator.next().catch((error: unknown) => error);
          if (consumer.kind === 'abort' && stoppedEarly) {
            expect((after as Error).name).toBe('AbortError');
            expect(await iterator.next()).toEqual({ done: true, value: undefined });
          } else {
            expect(after).toEqual({ done: true, value: undefined });
          }
          await settle();

          // Order: what came out is increasing and came from the source.
          for (let i = 1; i < out.length; i++) expect(out[i]!).toBeGreaterThan(out[i - 1]!);
          for (const x of out) expect(x).toBeLessThan(n);
          if (subject.lossless) expect(out).toEqual(out.map((_, i) => i));
          // Conservation, and nothing left buffered.
          expect(subject.unaccounted()).toBe(0);
          expect(subject.stage.stats()).toMatchObject({ buffered: 0, emitted: out.length });
          const sourceEnded = source.state.ended;
          if (!stoppedEarly) {
            expect(subject.released()).toBe(0);
            // The source's end or error arrived; an error exactly once, as itself.
            if (ending.kind === 'fail') expect(errors).toEqual([source.failure]);
            else expect(errors).toEqual([]);
            if (subject.lossless) expect(out).toHaveLength(n);
          }
          // Returned once when stopped before it ended by itself, never when not stopped
          // (a stop that races the source's last pull may return an ended source, harmlessly,
          // but only once); never pulled after.
          if (!stoppedEarly) expect(source.state.returns).toBe(0);
          else if (!sourceEnded) expect(source.state.returns).toBe(1);
          else expect(source.state.returns).toBeLessThanOrEqual(1);
          expect(source.state.pullsAfterClose).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
