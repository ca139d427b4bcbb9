/**
 * rateLimit properties under a virtual clock, for any arrival pattern:
 * - the bound: in every closed window [a, b] the stage passes at most
 *   `burst + floor(rate × (b - a) / interval)` items (tested over every pair of releases);
 * - exactness: each item passes at the earliest whole millisecond the bucket allows
 *   (checked against a millisecond-by-millisecond reference bucket);
 * - no item is dropped, duplicated or reordered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rateLimit, rateLimiter } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

const configArb = fc.record({
  rate: fc.integer({ min: 1, max: 10 }),
  interval: fc.integer({ min: 1, max: 1_000 }),
  burst: fc.integer({ min: 1, max: 5 }),
});

function expectWithinBound(
  times: number[],
  { rate, interval, burst }: { rate: number; interval: number; burst: number },
): void {
  for (let i = 0; i < times.length; i++) {
    for (let j = i; j < times.length; j++) {
      const bound = burst + Math.floor((rate * (times[j]! - times[i]!)) / interval);
      if (j - i + 1 > bound) {
        throw new Error(
          `${j - i + 1} releases in [${times[i]}, ${times[j]}] exceed the bound ${bound}`,
        );
      }
    }
  }
}

async function drive(clock: VirtualClock, done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 20_000) throw new Error('never finished');
    const next = clock.nextTimerAt();
    await clock.advance(next === undefined ? 0 : next - clock.now());
  }
}

describe('rateLimit: properties', () => {
  it('stays within burst + floor(rate·w/interval) in every window, exactly as early as allowed, losing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        configArb,
        fc.array(fc.integer({ min: 0, max: 1_500 }), { maxLength: 40 }),
        async (cfg, gaps) => {
          const clock = new VirtualClock();
          const stage = rateLimit<number>({ ...cfg, clock });
          const arrivals: number[] = [];
          async function* source() {
            for (let i = 0; i < gaps.length; i++) {
              await clock.sleep(gaps[i]!);
              arrivals.push(clock.now());
              yield i;
            }
          }
          const out: number[] = [];
          const times: number[] = [];
          let done = false;
          const run = (async () => {
            for await (const item of stage(source())) {
              out.push(item);
              times.push(clock.now());
            }
          })().finally(() => {
            done = true;
          });
          await drive(clock, () => done);
          await run;
          expect(out).toEqual(gaps.map((_, i) => i));
          expectWithinBound(times, cfg);
          // Reference bucket, one millisecond at a time (levels in units of token × interval).
          const cap = cfg.burst * cfg.interval;
          let level = cap;
          let last = 0;
          for (let i = 0; i < arrivals.length; i++) {
            let t = arrivals[i]!;
            level = Math.min(cap, level + (t - last) * cfg.rate);
            last = t;
            while (level < cfg.interval) {
              t++;
              level = Math.min(cap, level + cfg.rate);
              last = t;
            }
            level -= cfg.interval;
            expect(times[i]).toBe(t);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('concurrent consumers of one run get every item once, within the bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        configArb,
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 10 }),
        async (cfg, items, workers, work) => {
          const clock = new VirtualClock();
          const it = rateLimit<number>({ ...cfg, clock })(
            Array.from({ length: items }, (_, i) => i),
          );
          const got: number[] = [];
          const times: number[] = [];
          let finished = 0;
          let k = 0;
          const all = Promise.all(
            Array.from({ length: workers }, async () => {
              for (;;) {
                const next = await it.next();
                if (next.done) break;
                got.push(next.value);
                times.push(clock.now());
                await clock.sleep(work[k++ % work.length]!);
              }
              finished++;
            }),
          );
          await drive(clock, () => finished === workers);
          await all;
          expect([...got].sort((a, b) => a - b)).toEqual(
            Array.from({ length: items }, (_, i) => i),
          );
          expectWithinBound(times, cfg);
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rateLimiter: concurrent callers are served first come, first served, within the bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        configArb,
        fc.array(fc.integer({ min: 0, max: 800 }), { minLength: 1, maxLength: 30 }),
        async (cfg, arrivalTimes) => {
          const clock = new VirtualClock();
          const limiter = rateLimiter({ ...cfg, clock });
          const granted: { caller: number; at: number; arrived: number }[] = [];
          const callers = arrivalTimes.map(async (arrive, caller) => {
            await clock.sleep(arrive);
            const arrived = clock.now();
            await limiter.acquire();
            granted.push({ caller, at: clock.now(), arrived });
          });
          let done = false;
          const all = Promise.all(callers).finally(() => {
            done = true;
          });
          await drive(clock, () => done);
          await all;
          expect(granted).toHaveLength(arrivalTimes.length);
          expectWithinBound(
            granted.map((g) => g.at),
            cfg,
          );
          // FIFO: grants come in order of arrival (ties keep the order of the calls).
          const arrivalOrder = [...granted].sort((a, b) => a.arrived - b.arrived || 0);
          expect(granted.map((g) => g.arrived)).toEqual(arrivalOrder.map((g) => g.arrived));
          expect(limiter.stats().waiting).toBe(0);
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
