import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adaptiveMap,
  fixedLimit,
  ItemFailedError,
  type LimitAlgorithm,
  type LimitOutcome,
} from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { drainWithClock } from './adaptive-map-helpers.js';

/** A limit that jumps to the next value of `script` on every sample: the worst case for P1. */
function scriptedLimit(script: number[]): LimitAlgorithm {
  return {
    name: 'scripted',
    create(bounds) {
      let i = 0;
      let limit = bounds.initial;
      return {
        get limit() {
          return limit;
        },
        onSample() {
          const next = script[i++ % script.length]!;
          limit = Math.max(bounds.min, Math.min(bounds.max, next));
          return limit;
        },
      };
    },
  };
}

const behaviourArb = fc.record({
  delay: fc.integer({ min: 0, max: 50 }),
  outcome: fc.constantFrom<LimitOutcome>('success', 'success', 'failure', 'drop', 'ignore'),
  throws: fc.boolean(),
});

describe('adaptiveMap: properties', () => {
  it('P1: never more than floor(limit) calls in flight, whatever the limit does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 1, max: 12, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 60 }),
        fc.boolean(),
        async (script, delays, ordered) => {
          const clock = new VirtualClock();
          const violations: string[] = [];
          const stage = adaptiveMap(
            async (x: number) => {
              const { inFlight, limit } = stage.stats();
              if (inFlight > limit) violations.push(`${inFlight} in flight over limit ${limit}`);
              await clock.sleep(delays[x % delays.length]!);
              return x;
            },
            { algorithm: scriptedLimit(script), min: 1, max: 12, initial: 3, ordered, clock },
          );
          const out = await drainWithClock(
            clock,
            stage(Array.from({ length: 60 }, (_, i) => i)),
            5,
          );
          expect(violations).toEqual([]);
          expect(out.length).toBe(60);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('conservation: every item yields exactly one record, drops included; ordered keeps order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(behaviourArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 8 }),
        async (behaviours, dropRetries, ordered, max) => {
          const clock = new VirtualClock();
          const attempts = new Map<number, number>();
          const stage = adaptiveMap(
            async (x: number) => {
              attempts.set(x, (attempts.get(x) ?? 0) + 1);
              const b = behaviours[x]!;
              await clock.sleep(b.delay);
              if (b.throws) throw new Error(`e${x}`);
              return x;
            },
            {
              settle: true,
              ordered,
              max,
              dropRetries,
              clock,
              retryDelayMs: 10,
              classify: ({ value, error }) =>
                behaviours[(value ?? Number((error as Error).message.slice(1))) as number]!.outcome,
            },
          );
          const items = behaviours.map((_, i) => i);
          const records = await drainWithClock(clock, stage(items), 5);
          expect(records.map((r) => r.item).sort((a, b) => a - b)).toEqual(items);
          if (ordered) expect(records.map((r) => r.item)).toEqual(items);
          for (const r of records) {
            const b = behaviours[r.item]!;
            if (b.outcome === 'drop') {
              expect(r.status).toBe('rejected');
              expect((r as { reason: unknown }).reason).toBeInstanceOf(ItemFailedError);
              expect(attempts.get(r.item)).toBe(dropRetries + 1);
            } else {
              expect(attempts.get(r.item)).toBe(1);
              expect(r.status).toBe(
                !b.throws && b.outcome !== 'failure' ? 'fulfilled' : 'rejected',
              );
            }
          }
          const stats = stage.stats();
          expect(stats.succeeded + stats.failed).toBe(items.length);
          expect(stats.inFlight).toBe(0);
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('conservation under scheduler interleavings: each item once, in order when ordered', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (s, n, limit, ordered) => {
          const stage = adaptiveMap((x: number) => s.schedule(Promise.resolve(x), `call ${x}`), {
            min: limit,
            max: limit,
            ordered,
          });
          async function* source() {
            for (let i = 0; i < n; i++) yield await s.schedule(Promise.resolve(i), `pull ${i}`);
          }
          const out: number[] = [];
          const consumer = (async () => {
            for await (const x of stage(source())) out.push(x);
          })();
          await s.waitFor(consumer);
          const items = Array.from({ length: n }, (_, i) => i);
          expect([...out].sort((a, b) => a - b)).toEqual(items);
          if (ordered) expect(out).toEqual(items);
        },
      ),
      { numRuns: 80 },
    );
  });
  it('runSignal: shared by the run, aborted at an early exit with the reason of the calls in flight', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        async (limit, k, ordered) => {
          const calls: { x: number; signal: AbortSignal; run: AbortSignal }[] = [];
          const stage = adaptiveMap(
            async (x: number, context) => {
              calls.push({ x, signal: context.signal, run: context.runSignal });
              // Items from k on wait until the stage stops; the others finish at once.
              if (x >= k) {
                await new Promise<void>((resolve) =>
                  context.runSignal.addEventListener('abort', () => resolve(), { once: true }),
                );
              }
              return x;
            },
            { algorithm: fixedLimit(limit), ordered },
          );
          const it = stage(Array.from({ length: 200 }, (_, i) => i));
          for (let i = 0; i < k; i++) expect((await it.next()).done).toBe(false);
          await it.return?.();
          if (calls.length === 0) return;
          const run = calls[0]!.run;
          expect(run.aborted).toBe(true);
          for (const call of calls) {
            expect(call.run).toBe(run);
            if (call.x < k) {
              expect(call.signal.aborted).toBe(false);
            } else {
              expect(call.signal.aborted).toBe(true);
              expect(call.signal.reason).toBe(run.reason);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
