/**
 * What `queueSource`'s fetch does when a fetch comes back empty: a paused queue is waited on in
 * Redis (BullMQ's marker, which a resume sets), not polled; a rate limit (a fleet pause by
 * `queue.rateLimit`) is waited out, not polled, on an empty queue too.
 */
import { expect, it, vi } from 'vitest';
import { queueSource } from '../../src/bullmq/index.js';
import { describeWithRedis, redisPerTest } from './redis.js';

describeWithRedis('queueSource empty fetches (Redis)', () => {
  const { freshQueue, onCleanup } = redisPerTest();

  it('a paused queue: the pull waits on BullMQ’s marker, not polling, and gets its job as the queue resumes', async () => {
    const { queue, prefix, connection } = await freshQueue<{ n: number }>('paused');
    await queue.pause();
    await queue.add('t', { n: 1 }, { jobId: 'job-1' });
    const jobs = queueSource<{ n: number }>('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => jobs.close());
    // The source's own look at the pause: resume only once it has seen the queue paused.
    let seenPaused = 0;
    const isPaused = jobs.queue.isPaused.bind(jobs.queue);
    vi.spyOn(jobs.queue, 'isPaused').mockImplementation(async () => {
      const paused = await isPaused();
      if (paused) seenPaused++;
      return paused;
    });

    const pull = jobs.next();
    await vi.waitFor(() => expect(seenPaused).toBe(1), { timeout: 5_000 });
    await queue.resume();
    const r = await pull;
    if (r.done) throw new Error('no job');
    expect(r.value.id).toBe('job-1');
    // One look at the pause, then a wait in Redis: no poll, no backoff.
    expect(seenPaused).toBe(1);
    expect(jobs.stats()).toMatchObject({ fetched: 1, limitedWaits: 0 });
    await r.value.complete('ok');
  });

  it('a fleet pause on an empty queue: the pull waits the limit out instead of asking Redis in a loop', async () => {
    const { queue, prefix, connection } = await freshQueue<{ n: number }>('fleet-pause-empty');
    await queue.add('t', { n: 1 });
    const jobs = queueSource<{ n: number }>('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => jobs.close());
    const first = await jobs.next(); // started: connections up, scripts loaded
    if (first.done) throw new Error('no job');
    await first.value.complete('ok');
    const counts = vi.spyOn(jobs.queue, 'getJobCounts');

    // Longer than the test: the source must see it as a limit to wait out, not an empty queue.
    await queue.rateLimit(60_000);
    const pull = jobs.next();
    await vi.waitFor(() => expect(jobs.stats().limitedWaits).toBe(1), { timeout: 5_000 });
    // It sleeps until the limit ends; it did not look at the counts (the empty-queue check).
    expect(counts).not.toHaveBeenCalled();
    await jobs.close();
    expect(await pull).toEqual({ done: true, value: undefined });
  });
});
