import { Redis } from 'ioredis';
import { expect, it, vi } from 'vitest';
import { queueSource } from '../../src/bullmq/index.js';
import { isAbortError } from '../../src/errors.js';
import { describeWithRedis, redisPerTest } from './redis.js';

describeWithRedis('queueSource (Redis)', () => {
  const { freshQueue, onCleanup } = redisPerTest();

  it('fetches one job per next(), completes and fails them, first delivery is attempt 1', async () => {
    const { queue, prefix, connection } = await freshQueue<{ n: number }>('basic');
    for (let n = 0; n < 4; n++) await queue.add('t', { n }, { jobId: `job-${n}` });
    const jobs = queueSource<{ n: number }>('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => jobs.close());

    const first = await jobs.next();
    expect(first.done).toBe(false);
    if (first.done) return;
    expect(first.value.attempt).toBe(1);
    expect(jobs.stats()).toMatchObject({ fetched: 1, held: 1 });
    // Only what was pulled is active: one job, not a prefetched batch.
    expect(await queue.getJobCounts('active', 'waiting')).toEqual({ active: 1, waiting: 3 });

    await first.value.complete({ ok: first.value.data.n });
    const seen = [first.value.data.n];
    for (let i = 0; i < 3; i++) {
      const r = await jobs.next();
      if (r.done) throw new Error('ended early');
      seen.push(r.value.data.n);
      if (r.value.data.n === 2) await r.value.fail(new Error('bad task'));
      else await r.value.complete();
    }
    expect(seen.sort()).toEqual([0, 1, 2, 3]);
    expect(jobs.stats()).toMatchObject({ fetched: 4, held: 0, completed: 3, failed: 1 });
    expect(await queue.getJobCounts('completed', 'failed', 'active')).toEqual({
      completed: 3,
      failed: 1,
      active: 0,
    });
    expect((await queue.getJob('job-0'))?.returnvalue).toEqual({ ok: 0 });
    expect((await queue.getJob('job-2'))?.failedReason).toBe('bad task');
  });

  it('refuses a second settle with ERR_BPK_JOB_SETTLED', async () => {
    const { queue, prefix, connection } = await freshQueue('settle-twice');
    await queue.add('t', { n: 1 });
    const jobs = queueSource('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => jobs.close());
    const r = await jobs.next();
    if (r.done) throw new Error('no job');
    await r.value.complete();
    await expect(r.value.fail(new Error('late'))).rejects.toMatchObject({
      code: 'ERR_BPK_JOB_SETTLED',
    });
  });

  it('keeps a held job locked past lockDuration until it is settled', async () => {
    const { queue, prefix, connection } = await freshQueue('lock');
    await queue.add('t', { n: 1 });
    const jobs = queueSource('jobs', {
      connection,
      prefix,
      lockDuration: 200,
      onRedisWarning: false,
    });
    onCleanup(() => jobs.close());
    const r = await jobs.next();
    if (r.done) throw new Error('no job');
    const lockKey = `${prefix}:jobs:${r.value.id}:lock`;
    const client = new Redis(connection);
    onCleanup(() => client.quit());
    expect(await client.pttl(lockKey)).toBeGreaterThan(0);
    // Renewals come every lockDuration / 2: after four, the job has been held for two lock
    // durations, so without them the lock would have expired.
    await vi.waitFor(() => expect(jobs.stats().lockExtensions).toBeGreaterThanOrEqual(4), {
      timeout: 10_000,
      interval: 20,
    });
    expect(await client.pttl(lockKey)).toBeGreaterThan(0);
    await r.value.complete('done');
    expect(await queue.getJobCounts('completed')).toEqual({ completed: 1 });
    expect(jobs.stats().lostLocks).toBe(0);
  });

  it("a closed worker's unsettled job comes back through another worker's stalled check", async () => {
    const { queue, prefix, connection } = await freshQueue('stalled');
    await queue.add('t', { n: 7 }, { jobId: 'only' });
    const options = {
      connection,
      prefix,
      lockDuration: 300,
      stalledInterval: 200,
      maxStalledCount: 2,
      onRedisWarning: false as const,
    };
    const dying = queueSource<{ n: number }>('jobs', options);
    const taken = await dying.next();
    if (taken.done) throw new Error('no job');
    expect(taken.value.attempt).toBe(1);
    await dying.close(); // like a crash: the lock is neither released nor extended

    const survivor = queueSource<{ n: number }>('jobs', options);
    onCleanup(() => survivor.close());
    const back = await survivor.next();
    if (back.done) throw new Error('ended');
    expect(back.value.id).toBe('only');
    expect(back.value.attempt).toBe(2);
    await back.value.complete();
    expect(await queue.getJobCounts('completed')).toEqual({ completed: 1 });
  });

  it('break stops fetching: nothing more becomes active, held jobs stay unsettled', async () => {
    const { queue, prefix, connection } = await freshQueue('break');
    for (let n = 0; n < 5; n++) await queue.add('t', { n });
    const jobs = queueSource<{ n: number }>('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => jobs.close());
    let count = 0;
    for await (const job of jobs) {
      count++;
      if (count === 2) break;
      await job.complete();
    }
    expect(jobs.stats()).toMatchObject({ fetched: 2, completed: 1, held: 1 });
    expect(await queue.getJobCounts('waiting', 'active', 'completed')).toEqual({
      waiting: 3,
      active: 1,
      completed: 1,
    });
  });

  it('abort ends a blocked next() with an AbortError and closes', async () => {
    const { prefix, connection } = await freshQueue('abort');
    const controller = new AbortController();
    const jobs = queueSource('jobs', {
      connection,
      prefix,
      signal: controller.signal,
      onRedisWarning: false,
    });
    const pending = jobs.next(); // the queue is empty: this blocks in Redis
    controller.abort();
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAbortError(error)).toBe(true);
    expect(await jobs.next()).toEqual({ done: true, value: undefined });
  });

  it('global concurrency bounds active jobs across sources', async () => {
    const { queue, prefix, connection } = await freshQueue('global');
    await queue.setGlobalConcurrency(2);
    for (let n = 0; n < 6; n++) await queue.add('t', { n });
    const a = queueSource('jobs', { connection, prefix, onRedisWarning: false });
    const b = queueSource('jobs', { connection, prefix, onRedisWarning: false });
    onCleanup(() => Promise.all([a.close(), b.close()]));
    const ja = await a.next();
    const jb = await b.next();
    if (ja.done || jb.done) throw new Error('no job');
    // A third fetch must wait for a slot: it resolves only after one job completes.
    let third: unknown;
    const pending = a.next().then((r) => {
      third = r;
      return r;
    });
    await vi.waitFor(() => expect(a.stats().limitedWaits).toBeGreaterThan(0), { timeout: 5_000 });
    expect(third).toBeUndefined();
    expect(await queue.getJobCounts('active')).toEqual({ active: 2 });
    await jb.value.complete();
    const r = await pending;
    expect(r.done).toBe(false);
    expect(await queue.getJobCounts('active')).toEqual({ active: 2 });
  });

  it('warns at start-up when Redis lacks AOF or noeviction', async () => {
    const { queue, prefix, connection } = await freshQueue('warn');
    const client = new Redis(connection);
    onCleanup(() => client.quit());
    const [, appendonly] = (await client.config('GET', 'appendonly')) as string[];
    const [, policy] = (await client.config('GET', 'maxmemory-policy')) as string[];
    await queue.add('t', { n: 1 });
    const warnings: string[] = [];
    const jobs = queueSource('jobs', {
      connection,
      prefix,
      onRedisWarning: (w) => warnings.push(w),
    });
    onCleanup(() => jobs.close());
    const r = await jobs.next();
    if (!r.done) await r.value.complete();
    expect(warnings.some((w) => w.includes('AOF'))).toBe(appendonly !== 'yes');
    expect(warnings.some((w) => w.includes('noeviction'))).toBe(policy !== 'noeviction');
  });
});
