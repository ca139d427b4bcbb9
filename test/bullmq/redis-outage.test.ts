/**
 * Redis going away mid-run. A producer (queueSink) and a worker (queueSource) run against a
 * redis-server of the test's own (AOF on); it is killed with SIGKILL:
 * - restarted on the same port and data directory, the run completes and no job is lost;
 * - left down, both parts stop with a RedisUnavailableError once `redisTimeout` has passed.
 */
import { Queue } from 'bullmq';
import { afterEach, expect, it, vi } from 'vitest';
import { queueSink, queueSource, RedisUnavailableError } from '../../src/bullmq/index.js';
import { range } from '../helpers/sources.js';
import { connectionOptions, describeWithRedis, uniquePrefix } from './redis.js';
import { hasRedisServer, type OwnRedis, startOwnRedis } from './redis-server.js';

const describeOwn = hasRedisServer ? describeWithRedis : describeWithRedis.skip;

describeOwn('Redis killed mid-run', () => {
  let redis: OwnRedis | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    // Bring Redis back for the cleanup: a client closing against a dead Redis waits for it.
    if (redis !== undefined && !redis.running) await redis.restart();
    for (const close of closers.splice(0).reverse()) await close();
    await redis?.stop();
    redis = undefined;
  });

  async function setup(label: string) {
    redis = await startOwnRedis();
    const connection = connectionOptions(redis.url);
    const prefix = uniquePrefix(label);
    const queue = new Queue<{ n: number }>('jobs', { connection, prefix });
    queue.on('error', () => {});
    closers.push(() => queue.close());
    return { connection, prefix, queue };
  }

  it('killed and restarted with AOF: the run completes, every task exactly once in completed', async () => {
    const { connection, prefix, queue } = await setup('restart');
    const total = 300;
    const sink = queueSink(queue, {
      highWaterMark: 40,
      jobId: (item: { n: number }) => `t-${item.n}`,
      onRedisWarning: false,
    });
    const producing = sink(range(total).map((n) => ({ n })));
    const jobs = queueSource<{ n: number }>('jobs', {
      connection,
      prefix,
      lockDuration: 5_000,
      stalledInterval: 1_000,
      onRedisWarning: false,
    });
    closers.push(() => jobs.close());
    const completed = new Set<number>();
    let settleErrors = 0;
    const isDone = async () => (await queue.getJobCounts('completed')).completed === total;
    const working = (async () => {
      for await (const job of jobs) {
        await job.complete({ n: job.data.n }).then(
          () => completed.add(job.data.n),
          () => settleErrors++, // acknowledged before the kill, resent after: BullMQ refuses
        );
        if (completed.size + settleErrors >= total && (await isDone())) break;
      }
    })();

    await vi.waitFor(() => expect(completed.size).toBeGreaterThanOrEqual(60), {
      timeout: 20_000,
      interval: 10,
    });
    await redis?.kill();
    await redis?.restart();

    const summary = await producing;
    expect(summary.added).toBe(total);
    await vi.waitFor(async () => expect(await isDone()).toBe(true), {
      timeout: 60_000,
      interval: 50,
    });
    await jobs.return?.();
    await working;
    const ids = new Set((await queue.getCompleted(0, total)).map((job) => job.id));
    expect(ids.size).toBe(total);
    expect(await queue.getJobCounts('waiting', 'active', 'failed')).toEqual({
      waiting: 0,
      active: 0,
      failed: 0,
    });
  }, 90_000);

  it('left down past redisTimeout: the producer and the worker stop with a RedisUnavailableError', async () => {
    const { connection, prefix, queue } = await setup('gone');
    const sink = queueSink(queue, { highWaterMark: 2, redisTimeout: 500, onRedisWarning: false });
    const producing = sink(range(10).map((n) => ({ n }))).catch((e: unknown) => e);
    await vi.waitFor(() => expect(sink.stats().waits).toBe(1), { timeout: 5_000, interval: 10 });
    const jobs = queueSource('jobs', {
      connection,
      prefix,
      redisTimeout: 500,
      onRedisWarning: false,
    });
    closers.push(() => jobs.close());
    const first = await jobs.next();
    expect(first.done).toBe(false);
    await jobs.next(); // the second job; the next fetch waits for a third
    const fetching = jobs.next().catch((e: unknown) => e);

    await redis?.kill();
    const [sinkError, sourceError] = await Promise.all([producing, fetching]);
    expect(sinkError).toBeInstanceOf(RedisUnavailableError);
    expect(sinkError).toMatchObject({ code: 'ERR_BPK_REDIS_UNAVAILABLE' });
    expect(sourceError).toBeInstanceOf(RedisUnavailableError);
    expect((sourceError as RedisUnavailableError).downForMs).toBeGreaterThanOrEqual(500);
  }, 30_000);
});
