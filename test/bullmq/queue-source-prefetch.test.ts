/**
 * `queueSource`'s `prefetch`: a settle fetches the next job in the same Redis call, and the
 * jobs a source holds stay within the documented bound: at most the most jobs its pipeline has
 * had pulled or pulling at once, at most the jobs pulled and unsettled now plus `prefetch`,
 * and never more than `prefetch` ahead. Redis's active count is checked against the source's.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type QueueJob, queueSource } from '../../src/bullmq/index.js';
import { describeWithRedis, redisPerTest } from './redis.js';

describeWithRedis('queueSource prefetch (Redis)', () => {
  const { freshQueue, onCleanup } = redisPerTest();

  it('a settle fetches the next job in its call; the next pull takes it; an early exit returns it', async () => {
    const { queue, prefix, connection } = await freshQueue<{ n: number }>('prefetch');
    for (let n = 0; n < 4; n++) await queue.add('t', { n }, { jobId: `job-${n}` });
    const jobs = queueSource<{ n: number }>('jobs', {
      connection,
      prefix,
      prefetch: 1,
      onRedisWarning: false,
    });
    onCleanup(() => jobs.close());

    const first = await jobs.next();
    if (first.done) throw new Error('no job');
    expect(jobs.stats()).toMatchObject({ fetched: 1, held: 1, ahead: 0 });
    await first.value.complete('ok');
    // The completion brought job-1 along: active under this source, not yet pulled.
    expect(jobs.stats()).toMatchObject({ fetched: 2, fetchedWithSettle: 1, held: 1, ahead: 1 });
    expect(await queue.getJobCounts('active', 'waiting', 'completed')).toEqual({
      active: 1,
      waiting: 2,
      completed: 1,
    });
    const second = await jobs.next();
    if (second.done) throw new Error('no job');
    expect(second.value.id).toBe('job-1');
    // Taken from ahead: no fetch of its own.
    expect(jobs.stats()).toMatchObject({ fetched: 2, held: 1, ahead: 0 });
    await second.value.complete('ok'); // brings job-2 ahead
    expect(jobs.stats()).toMatchObject({ held: 1, ahead: 1 });

    await jobs.return?.();
    // The job ahead went back to the queue at once (not after a lock expiry).
    expect(jobs.stats()).toMatchObject({ held: 0, ahead: 0, released: 1 });
    expect(await queue.getJobCounts('active', 'waiting', 'completed')).toEqual({
      active: 0,
      waiting: 2,
      completed: 2,
    });
  });

  it('holds at most min(peak asked, asked + prefetch) jobs, at most prefetch ahead, for any pulls and settles', async () => {
    const total = 40;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 }),
        fc.array(
          fc.record({
            pulls: fc.integer({ min: 0, max: 3 }),
            settles: fc.integer({ min: 0, max: 3 }),
            fail: fc.boolean(),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (prefetch, steps) => {
          const { queue, prefix, connection } = await freshQueue<{ n: number }>('prefetch-prop');
          await queue.addBulk(
            Array.from({ length: total }, (_, n) => ({ name: 't', data: { n } })),
          );
          const jobs = queueSource<{ n: number }>('jobs', {
            connection,
            prefix,
            prefetch,
            onRedisWarning: false,
          });
          try {
            const pulled: QueueJob<{ n: number }>[] = [];
            let peakAsked = 0;
            let settled = 0;
            for (const step of steps) {
              // Pulls and settles start together and interleave in Redis.
              peakAsked = Math.max(peakAsked, pulled.length + step.pulls);
              const toSettle = pulled.splice(0, step.settles);
              const pulls = Array.from({ length: step.pulls }, async () => {
                const r = await jobs.next();
                if (r.done) throw new Error('ended early');
                pulled.push(r.value);
              });
              const settles = toSettle.map((job) =>
                step.fail ? job.fail(new Error('no')) : job.complete('ok'),
              );
              await Promise.all([...pulls, ...settles]);
              settled += toSettle.length;
              const stats = jobs.stats();
              expect(stats.held).toBe(pulled.length + stats.ahead);
              expect(stats.ahead).toBeLessThanOrEqual(prefetch);
              expect(stats.held).toBeLessThanOrEqual(peakAsked);
              expect(stats.held).toBeLessThanOrEqual(pulled.length + prefetch);
              const counts = await queue.getJobCounts('active', 'completed', 'failed');
              expect(counts.active).toBe(stats.held);
              expect((counts.completed ?? 0) + (counts.failed ?? 0)).toBe(settled);
            }
            await jobs.return?.();
            expect(await queue.getJobCounts('active')).toEqual({ active: pulled.length });
            await Promise.all(pulled.map((job) => job.complete('ok')));
            expect(await queue.getJobCounts('active', 'waiting')).toEqual({
              active: 0,
              waiting: total - settled - pulled.length,
            });
          } finally {
            await jobs.close();
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
