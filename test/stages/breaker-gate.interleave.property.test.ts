/**
 * breakerGate with several concurrent workers behind it, solver completions in an order chosen
 * by fast-check's scheduler, time virtual:
 * - every item reaches the sink exactly once (solved, or failed with its error);
 * - the solver is never called while the breaker is open;
 * - per half-open episode the solver runs at most `trials` calls, at most `concurrency` at once;
 * - a run always completes, leaving no permit in flight and no timer behind.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { breakerGate, circuitBreaker } from '../../src/index.js';
import { VirtualClock } from '../../src/testing/index.js';

describe('breakerGate: interleavings', () => {
  it('conserves items and keeps half-open bounds with concurrent workers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.record({
          items: fc.integer({ min: 1, max: 25 }),
          workers: fc.integer({ min: 1, max: 4 }),
          outcomes: fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
          threshold: fc.integer({ min: 1, max: 3 }),
          trials: fc.integer({ min: 1, max: 3 }),
          concurrencyPick: fc.integer({ min: 1, max: 3 }),
        }),
        async (s, { items, workers, outcomes, threshold, trials, concurrencyPick }) => {
          const concurrency = Math.min(trials, concurrencyPick);
          const clock = new VirtualClock();
          const breaker = circuitBreaker({
            failureThreshold: threshold,
            resetTimeout: 100,
            halfOpen: { trials, concurrency, deadlineMs: 1_000 },
            clock,
          });
          let n = 0;
          const openCalls: number[] = [];
          const episodes = new Map<number, { total: number; active: number; peak: number }>();
          const solve = breaker.wrap(async (item: number) => {
            const state = breaker.state;
            if (state === 'open') openCalls.push(item);
            let episode: { total: number; active: number; peak: number } | undefined;
            if (state === 'half-open') {
              const gen = breaker.stats().generation;
              episode = episodes.get(gen) ?? { total: 0, active: 0, peak: 0 };
              episodes.set(gen, episode);
              episode.total++;
              episode.active++;
              episode.peak = Math.max(episode.peak, episode.active);
            }
            const ok = outcomes[n++ % outcomes.length]!;
            try {
              await s.schedule(Promise.resolve(), `solve ${item} ${ok ? 'ok' : 'fails'}`);
            } finally {
              if (episode) episode.active--;
            }
            if (!ok) throw new Error(`failed ${item}`);
            return item;
          });
          const sink: number[] = [];
          const gateStage = breakerGate<number>(breaker);
          const gate = gateStage(Array.from({ length: items }, (_, i) => i));
          let finished = 0;
          const run = Promise.all(
            Array.from({ length: workers }, async () => {
              for (;;) {
                const next = await gate.next();
                if (next.done) break;
                await solve(next.value).catch(() => {});
                sink.push(next.value);
              }
              finished++;
            }),
          );
          for (let i = 0; finished < workers; i++) {
            if (i > 2_000) throw new Error('never finished');
            await s.waitAll();
            const at = clock.nextTimerAt();
            await clock.advance(at === undefined ? 0 : at - clock.now());
          }
          await run;
          expect([...sink].sort((a, b) => a - b)).toEqual(
            Array.from({ length: items }, (_, i) => i),
          );
          expect(openCalls).toEqual([]);
          for (const episode of episodes.values()) {
            expect(episode.total).toBeLessThanOrEqual(trials);
            expect(episode.peak).toBeLessThanOrEqual(concurrency);
          }
          expect(breaker.stats().inFlight).toBe(0);
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
