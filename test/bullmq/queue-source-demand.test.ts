/**
 * `queueSource`'s demand-driven fetching (without `prefetch`): a settle fetches the next job in
 * its own Redis call only for a pull that is already waiting and that no fetch in flight will
 * serve, so the source still holds only what its pipeline pulled; and a long-running source
 * keeps nothing per job once the job is settled.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { type QueueJob, queueSource } from '../../src/bullmq/index.js';
import { describeWithRedis, redisPerTest } from './redis.js';

// A real collection before each reading, so what stays alive is measured, not GC timing.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describeWithRedis('queueSource demand-driven fetching (Redis)', () => {
  const { freshQueue, onCleanup } = redisPerTest();

  it('a settle brings a job for a waiting pull in its own call; with no pull waiting it brings none', async () => {
    const { queue, prefix, connection } = await freshQueue<{ n: number }>('demand');
    for (let n = 0; n < 6; n++) await queue.add('t', { n }, { jobId: `job-${n}` });
    const jobs = queueSource<{ n: number }>('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => jobs.close());

    const first = await jobs.next();
    if (first.done) throw new Error('no job');
    // No pull waits: the settle fetches nothing, nothing is active.
    await first.value.complete('ok');
    expect(jobs.stats()).toMatchObject({ fetched: 1, fetchedWithSettle: 0, held: 0 });
    expect(await queue.getJobCounts('active', 'waiting')).toEqual({ active: 0, waiting: 5 });

    const second = await jobs.next();
    if (second.done) throw new Error('no job');
    // Two pulls wait while the held job settles: the settle serves one of them in its call,
    // the fetch loop the other; exactly the two pulled jobs become active.
    const pulls = [jobs.next(), jobs.next()];
    await second.value.complete('ok');
    const pulled = await Promise.all(pulls);
    expect(pulled.every((r) => !r.done)).toBe(true);
    expect(jobs.stats()).toMatchObject({ fetched: 4, fetchedWithSettle: 1, held: 2, ahead: 0 });
    expect(await queue.getJobCounts('active', 'waiting', 'completed')).toEqual({
      active: 2,
      waiting: 2,
      completed: 2,
    });
    const ids = pulled.map((r) => (r.done ? '' : r.value.id)).sort();
    expect(ids).toEqual(['job-2', 'job-3']);
  });

  it('a handed-out job is one plain object: its methods are shared, its own fields id, data and attempt', async () => {
    const { queue, prefix, connection } = await freshQueue<{ n: number }>('demand-shape');
    for (let n = 0; n < 2; n++) await queue.add('t', { n }, { jobId: `job-${n}` });
    const jobs = queueSource<{ n: number }>('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => jobs.close());

    const [a, b] = await Promise.all([jobs.next(), jobs.next()]);
    if (a?.done !== false || b?.done !== false) throw new Error('no job');
    // Nothing is made per job but the job itself: the hot path of a busy worker.
    expect(a.value.complete).toBe(b.value.complete);
    expect(a.value.fail).toBe(b.value.fail);
    expect(Object.keys(a.value).sort()).toEqual(['attempt', 'data', 'id']);
    expect(JSON.parse(JSON.stringify(a.value))).toEqual({
      id: a.value.id,
      data: a.value.data,
      attempt: 1,
    });
    // The BullMQ job is still there on demand, bound to the source's queue connection.
    expect(a.value.job.id).toBe(a.value.id);
    expect(a.value.job.data).toBe(a.value.data);
    await a.value.complete('ok');
    await b.value.fail(new Error('bad'));
    expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 1, failed: 1 });
  });

  it('keeps no settled job alive while it runs (flat memory per job)', async () => {
    const total = 60;
    const { queue, prefix, connection } = await freshQueue<{ n: number }>('demand-leak');
    await queue.addBulk(Array.from({ length: total }, (_, n) => ({ name: 't', data: { n } })));
    const jobs = queueSource<{ n: number }>('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => jobs.close());

    const handedOut: WeakRef<QueueJob<{ n: number }>>[] = [];
    let asked = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        // Never more pulls than jobs: a pull on the drained queue would wait for a job.
        while (asked < total) {
          asked++;
          const r = await jobs.next();
          if (r.done) return;
          handedOut.push(new WeakRef(r.value));
          await r.value.complete('ok');
        }
      }),
    );
    expect(handedOut).toHaveLength(total);
    // The source is still open (not stopped): nothing of it may hold a settled job.
    expect(jobs.stats()).toMatchObject({ completed: total, held: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(handedOut.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });
});
