/**
 * queueSink's bound, for any interleaving of producers and workers (in-process): several
 * producers, each a `queueSink` on the same queue, and several workers taking and finishing
 * jobs, with every Redis call (count, add, take, finish) resolving in an order fast-check's
 * scheduler picks and time virtual. The backlog (waiting + prioritized + delayed + active)
 * never exceeds `highWaterMark + producers - 1`, and every item is added exactly once.
 *
 * The queue is an in-memory model of the four BullMQ calls the sink makes; the same sink runs
 * against real Redis in queue-sink.test.ts.
 */
import { EventEmitter } from 'node:events';
import type { Queue } from 'bullmq';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queueSink } from '../../src/bullmq/index.js';
import { VirtualClock } from '../../src/testing/index.js';

type Scheduler = fc.Scheduler;

/** The part of BullMQ's Queue the sink uses, in memory, each call resolved by the scheduler. */
function modelQueue(s: Scheduler) {
  const waiting: string[] = [];
  const ids = new Set<string>();
  const state = { active: 0, backlog: 0, peak: 0, adds: 0, finished: 0 };
  const backlog = (): number => waiting.length + state.active;
  const observe = (): void => {
    state.backlog = backlog();
    state.peak = Math.max(state.peak, state.backlog);
  };
  const client = Object.assign(new EventEmitter(), { status: 'ready' });
  const queue = {
    getBackend: () => ({ client: Promise.resolve(client) }),
    async getJobCounts(...types: string[]) {
      // The count is taken when the scheduler lets the reply arrive, not when asked.
      await s.schedule(Promise.resolve(), 'count');
      const counts: Record<string, number> = {};
      for (const type of types)
        counts[type] = type === 'waiting' ? waiting.length : type === 'active' ? state.active : 0;
      return counts;
    },
    async add(_name: string, _data: unknown, opts: { jobId?: string }) {
      await s.schedule(Promise.resolve(), `add ${opts.jobId}`);
      state.adds++;
      if (opts.jobId !== undefined && ids.has(opts.jobId)) return;
      if (opts.jobId !== undefined) ids.add(opts.jobId);
      waiting.push(opts.jobId ?? String(state.adds));
      observe();
    },
  };
  const worker = {
    async take(): Promise<string | undefined> {
      await s.schedule(Promise.resolve(), 'take');
      const id = waiting.shift();
      if (id !== undefined) state.active++;
      observe();
      return id;
    },
    async finish(): Promise<void> {
      await s.schedule(Promise.resolve(), 'finish');
      state.active--;
      state.finished++;
      observe();
    },
  };
  return { queue: queue as unknown as Queue<number>, worker, state, ids };
}

describe('queueSink: interleavings', () => {
  it('backlog ≤ highWaterMark + producers - 1, every item added exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.record({
          producers: fc.integer({ min: 1, max: 4 }),
          workers: fc.integer({ min: 0, max: 3 }),
          items: fc.integer({ min: 0, max: 12 }),
          highWaterMark: fc.integer({ min: 1, max: 5 }),
        }),
        async (s, { producers, workers, items, highWaterMark }) => {
          const clock = new VirtualClock();
          const { queue, worker, state, ids } = modelQueue(s);
          let producing = producers;
          const sinks = Array.from({ length: producers }, (_, p) =>
            queueSink(queue, {
              highWaterMark,
              jobId: (n: number) => `${p}-${n}`,
              clock,
              onRedisWarning: false,
            })(Array.from({ length: items }, (_, i) => i)).finally(() => {
              producing--;
            }),
          );
          // Workers drain the queue; with none, a test worker starts once producers block.
          const drain = async (): Promise<void> => {
            for (;;) {
              const id = await worker.take();
              if (id !== undefined) {
                await worker.finish();
                continue;
              }
              if (producing === 0) return;
              await clock.sleep(5);
            }
          };
          const running = [...Array.from({ length: Math.max(1, workers) }, drain), ...sinks];
          let done = false;
          const all = Promise.all(running).then(() => {
            done = true;
          });
          for (let i = 0; !done; i++) {
            if (i > 20_000) throw new Error('never finished');
            await s.waitAll();
            const at = clock.nextTimerAt();
            if (at !== undefined) await clock.advance(at - clock.now());
          }
          await all;
          expect(state.peak).toBeLessThanOrEqual(highWaterMark + producers - 1);
          expect(ids.size).toBe(producers * items);
          expect(state.finished).toBe(producers * items);
          for (const sink of sinks) expect((await sink).added).toBe(items);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the bound is tight: when every producer reads the count before any add lands', async () => {
    const producers = 3;
    const highWaterMark = 1;
    let waiting = 0;
    const pendingAdds: (() => void)[] = [];
    let allRead!: () => void;
    const everyAddPending = new Promise<void>((resolve) => {
      allRead = resolve;
    });
    const client = Object.assign(new EventEmitter(), { status: 'ready' });
    const queue = {
      getBackend: () => ({ client: Promise.resolve(client) }),
      getJobCounts: async () => ({ waiting, prioritized: 0, delayed: 0, active: 0 }),
      add: (_name: string, _data: unknown) =>
        new Promise<void>((resolve) => {
          pendingAdds.push(() => {
            waiting++;
            resolve();
          });
          if (pendingAdds.length === producers) allRead();
        }),
    } as unknown as Queue<number>;
    const controller = new AbortController();
    const clock = new VirtualClock();
    const runs = Array.from({ length: producers }, () =>
      queueSink(queue, { highWaterMark, clock, signal: controller.signal, onRedisWarning: false })([
        1, 2,
      ]).catch((e: unknown) => e),
    );
    await everyAddPending;
    for (const land of pendingAdds.splice(0)) land();
    expect(waiting).toBe(highWaterMark + producers - 1);
    controller.abort();
    for (const run of runs) expect(await run).toMatchObject({ name: 'AbortError' });
  });
});
