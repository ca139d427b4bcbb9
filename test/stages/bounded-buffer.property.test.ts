import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedBuffer } from '../../src/index.js';
import { settle } from '../helpers/sources.js';

/**
 * Properties of boundedBuffer under arbitrary interleavings of producer and consumer
 * (fast-check's scheduler decides when each source pull and each consumer step resolves).
 */
describe('boundedBuffer properties', () => {
  it('conservation, order and the bound hold for any interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer(), { maxLength: 40 }),
        fc.option(fc.nat({ max: 40 }), { nil: undefined }),
        async (s, highWaterMark, items, stopAt) => {
          let pulled = 0;
          let consumed = 0;
          let maxAhead = 0;
          let closed = false;
          async function* source() {
            try {
              for (const item of items) {
                await s.schedule(Promise.resolve(), 'produce');
                pulled++;
                maxAhead = Math.max(maxAhead, pulled - consumed);
                yield item;
              }
            } finally {
              closed = true;
            }
          }
          const buffer = boundedBuffer<number>(highWaterMark);
          const out: number[] = [];
          const consumer = (async () => {
            for await (const item of buffer(source())) {
              consumed++;
              out.push(item);
              if (stopAt !== undefined && out.length >= stopAt) break;
              await s.schedule(Promise.resolve(), 'consume');
            }
          })();
          await s.waitFor(consumer);
          await settle();
          // Bound: the source is never more than highWaterMark (+1 being handed over) ahead.
          expect(maxAhead).toBeLessThanOrEqual(highWaterMark + 1);
          // Order and no duplicates: what came out is a prefix of what went in.
          expect(out).toEqual(items.slice(0, out.length));
          if (stopAt === undefined || stopAt > items.length) expect(out.length).toBe(items.length);
          expect(closed).toBe(true);
          const stats = buffer.stats();
          expect(stats.received).toBe(stats.emitted + stats.buffered + stats.discarded);
          expect(stats.peakBuffered).toBeLessThanOrEqual(highWaterMark);
          expect(stats.buffered).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a sync source is read in order with at most highWaterMark read ahead', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.integer(), { maxLength: 200 }),
        async (highWaterMark, items) => {
          let pulled = 0;
          let consumed = 0;
          let maxAhead = 0;
          function* source() {
            for (const item of items) {
              pulled++;
              maxAhead = Math.max(maxAhead, pulled - consumed);
              yield item;
            }
          }
          const out: number[] = [];
          for await (const item of boundedBuffer<number>(highWaterMark)(source())) {
            consumed++;
            out.push(item);
          }
          expect(out).toEqual(items);
          expect(maxAhead).toBeLessThanOrEqual(highWaterMark);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('abort at any point: rejects with AbortError, the source is closed, nothing is duplicated', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 6 }),
        fc.nat({ max: 30 }),
        async (s, highWaterMark, abortAfter) => {
          let closed = false;
          async function* source() {
            try {
              for (let i = 0; i < 30; i++) {
                await s.schedule(Promise.resolve(), 'produce');
                yield i;
              }
            } finally {
              closed = true;
            }
          }
          const controller = new AbortController();
          const out: number[] = [];
          const consumer = (async () => {
            for await (const item of boundedBuffer<number>({
              highWaterMark,
              signal: controller.signal,
            })(source())) {
              out.push(item);
              if (out.length === abortAfter) controller.abort();
              await s.schedule(Promise.resolve(), 'consume');
            }
          })();
          const outcome = consumer.then(
            () => 'done',
            (error: unknown) => (error as Error).name,
          );
          await s.waitFor(outcome);
          // A generator suspended inside an await closes once that await finishes.
          await s.waitAll();
          await settle();
          expect(await outcome).toBe(abortAfter > 0 && abortAfter <= 30 ? 'AbortError' : 'done');
          expect(out).toEqual(Array.from({ length: out.length }, (_, i) => i));
          expect(closed).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});
