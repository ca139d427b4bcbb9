import { expect, it, vi } from 'vitest';
import { pauseFleetWhileOpen, queueSource } from '../../src/bullmq/index.js';
import { circuitBreaker } from '../../src/index.js';
import { describeWithRedis, redisPerTest } from './redis.js';

describeWithRedis('pauseFleetWhileOpen (Redis)', () => {
  const { freshQueue, onCleanup } = redisPerTest();

  it("one worker's open breaker stops every worker's fetches for the open time, then they resume", async () => {
    const { queue, prefix, connection } = await freshQueue<{ n: number }>('pause');
    const breaker = circuitBreaker({ failureThreshold: 1, resetTimeout: 600 });
    const dispose = pauseFleetWhileOpen(breaker, queue);
    onCleanup(async () => dispose());
    // Another worker, elsewhere: it only sees the queue.
    const other = queueSource<{ n: number }>('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => other.close());
    await queue.add('t', { n: 1 });

    await breaker.execute(async () => Promise.reject(new Error('service down'))).catch(() => {});
    expect(breaker.state).toBe('open');
    await vi.waitFor(async () => expect(await queue.getRateLimitTtl()).toBeGreaterThan(0), {
      timeout: 5_000,
      interval: 5,
    });
    const fetched = other.next();
    // While the limit holds, the other worker finds the job but may not take it.
    await vi.waitFor(() => expect(other.stats().limitedWaits).toBeGreaterThan(0), {
      timeout: 5_000,
      interval: 5,
    });
    expect(await queue.getJobCounts('waiting', 'active')).toEqual({ waiting: 1, active: 0 });
    // Then it resumes by itself.
    const r = await fetched;
    expect(r.done).toBe(false);
    expect(breaker.state).not.toBe('closed'); // resumed on the rate limit's expiry, not a close
    if (!r.done) await r.value.complete();
  });
});
