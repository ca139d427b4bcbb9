import { pipeline } from 'node:stream/promises';
import type { Queue } from 'bullmq';
import { expect, it, vi } from 'vitest';
import { queueSink, queueSource } from '../../src/bullmq/index.js';
import { isAbortError } from '../../src/errors.js';
import { range, trackedSource } from '../helpers/sources.js';
import { describeWithRedis, redisPerTest } from './redis.js';

describeWithRedis('queueSink (Redis)', () => {
  const { freshQueue, onCleanup } = redisPerTest();

  it('enqueues every item as the last step of pipeline(); jobId makes a rerun add nothing', async () => {
    const { queue } = await freshQueue<{ n: number }>('idempotent');
    const items = range(8).map((n) => ({ n }));
    const sink = queueSink(queue, {
      highWaterMark: 100,
      jobId: (item) => `task-${item.n}`,
      onRedisWarning: false,
    });
    const summary = await pipeline(items, sink);
    expect(summary).toMatchObject({ added: 8, waits: 0, highWaterMark: 100 });
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 8 });
    // A restarted producer re-reads its input: BullMQ ignores the existing ids.
    await pipeline(items, sink);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 8 });
    expect((await queue.getJob('task-3'))?.data).toEqual({ n: 3 });
  });

  it('stops pulling at the high-water mark until workers bring the backlog down', async () => {
    const { queue, prefix, connection } = await freshQueue<{ n: number }>('mark');
    const source = trackedSource(range(10).map((n) => ({ n })));
    const sink = queueSink(queue, { highWaterMark: 3, onRedisWarning: false });
    const run = sink(source.iterable);
    await vi.waitFor(() => expect(sink.stats().waits).toBe(1), { timeout: 5_000, interval: 10 });
    // At the mark: three jobs queued, and the source pulled exactly three items.
    expect(source.state.pulled).toBe(3);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 3 });

    const jobs = queueSource<{ n: number }>('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => jobs.close());
    let done = 0;
    for await (const job of jobs) {
      await job.complete();
      if (++done === 10) break;
    }
    const summary = await run;
    expect(summary.added).toBe(10);
    expect(summary.peakBacklog).toBeLessThanOrEqual(3);
    expect(source.state.closed).toBe(true);
  });

  it('abort returns the source and rejects with an AbortError', async () => {
    const { queue } = await freshQueue<{ n: number }>('abort');
    const source = trackedSource(range(10).map((n) => ({ n })));
    const controller = new AbortController();
    const sink = queueSink(queue, {
      highWaterMark: 2,
      signal: controller.signal,
      onRedisWarning: false,
    });
    const run = sink(source.iterable).catch((e: unknown) => e);
    await vi.waitFor(() => expect(sink.stats().waits).toBe(1), { timeout: 5_000, interval: 10 });
    controller.abort();
    expect(isAbortError(await run)).toBe(true);
    expect(source.state.closed).toBe(true);
    expect(source.state.pulled).toBe(2);
  });

  it('a source error reaches the caller unchanged', async () => {
    const { queue } = await freshQueue<{ n: number }>('source-error');
    const boom = new Error('scrape failed');
    const source = trackedSource([{ n: 1 }], { failWith: boom });
    await expect(
      queueSink(queue, { highWaterMark: 5, onRedisWarning: false })(source.iterable),
    ).rejects.toBe(boom);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('refuses bad options at once, naming the option', async () => {
    const { queue } = await freshQueue<{ n: number }>('options');
    expect(() => queueSink(queue, { highWaterMark: 0 })).toThrow(RangeError);
    expect(() => queueSink(queue, { highWaterMark: 1.5 })).toThrow(/highWaterMark/);
    expect(() => queueSink(queue, { highWaterMark: 5, redisTimeout: -1 })).toThrow(/redisTimeout/);
    expect(() => queueSink({} as Queue, { highWaterMark: 5 })).toThrow(TypeError);
  });
});
