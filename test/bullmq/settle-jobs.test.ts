import { expect, it, vi } from 'vitest';
import {
  queueSource,
  type ResumeOptions,
  resumableSolver,
  settleJobs,
  storedCaptchaId,
} from '../../src/bullmq/index.js';
import { AbortedError } from '../../src/errors.js';
import type { Solution, Solver } from '../../src/solver/create-solver.js';
import { InvalidTaskError } from '../../src/solver/invalid-task-error.js';
import { solveStage } from '../../src/solver/solve-stage.js';
import type { Task } from '../../src/solver/task.js';
import { adaptiveMap } from '../../src/stages/adaptive-map.js';
import { describeWithRedis, redisPerTest } from './redis.js';

type TestTask = Task & { readonly hang?: boolean; readonly bad?: boolean };

/**
 * A solver without HTTP that speaks the resume protocol: a submit reports `C-<n>` through
 * `onSubmitted`; a call with `resumeId` polls that id instead of submitting. Tasks marked
 * `hang` never finish (until aborted), `bad` ones are refused as invalid.
 */
function resumeFake() {
  const submits: { taskId: unknown; captchaId: string }[] = [];
  const resumes: { taskId: unknown; resumeId: string }[] = [];
  let n = 0;
  const solver = {
    provider: 'captchaai' as const,
    async solve(task: TestTask, options: ResumeOptions = {}): Promise<Solution> {
      if (options.resumeId !== undefined) {
        resumes.push({ taskId: task.id, resumeId: options.resumeId });
        return {
          id: options.resumeId,
          token: `token-of-${options.resumeId}`,
          elapsedMs: 1,
          polls: 1,
        };
      }
      if (task.bad) throw new InvalidTaskError('sitekey', 'a bad task');
      const captchaId = `C-${++n}`;
      submits.push({ taskId: task.id, captchaId });
      await options.onSubmitted?.(captchaId);
      if (task.hang) {
        await new Promise<never>((_, reject) =>
          options.signal?.addEventListener('abort', () => reject(new AbortedError()), {
            once: true,
          }),
        );
      }
      return { id: captchaId, token: `token-of-${captchaId}`, elapsedMs: 1, polls: 1 };
    },
    balance: async () => 0,
    report: async () => {},
    stats: () => ({}) as ReturnType<Solver['stats']>,
    close: async () => {},
  };
  return { solver: solver as unknown as Solver, submits, resumes };
}

describeWithRedis('settleJobs and resumableSolver (Redis)', () => {
  const { freshQueue, onCleanup } = redisPerTest('captcha');

  it('completes each job with its record, fails bad ones for good with the record as reason', async () => {
    const { queue, prefix, connection } = await freshQueue<TestTask>('settle');
    const sitekey = 'k'.repeat(40);
    for (let id = 1; id <= 4; id++) {
      await queue.add(
        'task',
        { id, type: 'recaptcha-v2', sitekey, pageurl: 'https://example.com', bad: id === 3 },
        { jobId: `task-${id}`, attempts: 3 },
      );
    }
    const { solver } = resumeFake();
    const jobs = queueSource<TestTask>('captcha', { connection, prefix, onRedisWarning: false });
    onCleanup(() => jobs.close());
    const settle = settleJobs(solveStage<TestTask>(resumableSolver(solver), { rateLimit: false }));
    const records = [];
    for await (const record of settle(jobs)) {
      records.push(record);
      if (records.length === 4) break;
    }
    expect(records.map((r) => r.status).sort()).toEqual(['failed', 'solved', 'solved', 'solved']);
    expect(settle.stats()).toMatchObject({ completed: 3, failed: 1, settleErrors: 0, settling: 0 });
    // attempts: 3 on the job, yet the failure is final: the stage already classified it.
    expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed')).toEqual({
      completed: 3,
      failed: 1,
      waiting: 0,
      delayed: 0,
    });
    const done = await queue.getJob('task-1');
    expect(done?.returnvalue).toMatchObject({ status: 'solved', task: { id: 1 }, attempts: 1 });
    const failed = await queue.getJob('task-3');
    expect(JSON.parse(failed?.failedReason ?? '')).toMatchObject({
      status: 'failed',
      kind: 'fatal-item',
      task: { id: 3 },
      reason: { name: 'InvalidTaskError', kind: 'fatal-item' },
    });
  });

  it('a redelivered job polls its stored captcha id instead of submitting again', async () => {
    const { queue, prefix, connection } = await freshQueue<TestTask>('resume');
    const task = { id: 9, type: 'recaptcha-v2', sitekey: 'k'.repeat(40), pageurl: 'https://a.b' };
    await queue.add('task', { ...task, hang: true } as TestTask, { jobId: 'task-9' });
    const options = {
      connection,
      prefix,
      lockDuration: 300,
      stalledInterval: 200,
      maxStalledCount: 2,
      onRedisWarning: false as const,
    };

    // First worker: submits, stores the id, then dies before the answer.
    const first = resumeFake();
    const dying = queueSource<TestTask>('captcha', options);
    const controller = new AbortController();
    const run = (async () => {
      const stage = settleJobs(
        solveStage<TestTask>(resumableSolver(first.solver), { rateLimit: false }),
      );
      for await (const _ of stage(dying, { signal: controller.signal })) {
        // never reached: the task hangs
      }
    })().catch((e: unknown) => e);
    await vi.waitFor(
      async () => expect(storedCaptchaId((await queue.getJob('task-9'))?.progress)).toBe('C-1'),
      { timeout: 5_000, interval: 20 },
    );
    await dying.close();
    controller.abort();
    await run;
    expect(first.submits).toEqual([{ taskId: 9, captchaId: 'C-1' }]);

    // Second worker: the job comes back through the stalled check and resumes C-1.
    const second = resumeFake();
    const survivor = queueSource<TestTask>('captcha', options);
    onCleanup(() => survivor.close());
    const settle = settleJobs(
      solveStage<TestTask>(resumableSolver(second.solver), { rateLimit: false }),
    );
    for await (const record of settle(survivor)) {
      expect(record).toMatchObject({ status: 'solved', token: 'token-of-C-1' });
      break;
    }
    expect(second.submits).toEqual([]);
    expect(second.resumes).toEqual([{ taskId: 9, resumeId: 'C-1' }]);
    expect(await queue.getJobCounts('completed')).toEqual({ completed: 1 });
  });

  /** `total` jobs queued, a `queueSource` over them, and `settleJobs` over a trivial stage (limit 10). */
  const trivialRun = async (label: string, total: number) => {
    const { queue, prefix, connection } = await freshQueue<{ n: number }>(label);
    await queue.addBulk(Array.from({ length: total }, (_, n) => ({ name: 't', data: { n } })));
    const jobs = queueSource<{ n: number }>('captcha', {
      connection,
      prefix,
      onRedisWarning: false,
    });
    onCleanup(() => jobs.close());
    const stage = adaptiveMap((task: { n: number }) => ({ task, status: 'solved' as const }), {
      min: 10,
      max: 10,
    });
    return { queue, jobs, settle: settleJobs(stage) };
  };

  it("over queueSource: jobs settle concurrently and most come in a settle's own Redis call", async () => {
    const total = 300;
    const { queue, jobs, settle } = await trivialRun('concurrent', total);
    let records = 0;
    let mostSettling = 0;
    for await (const _ of settle(jobs)) {
      mostSettling = Math.max(mostSettling, settle.stats().settling);
      if (++records === total) break;
    }
    expect(settle.stats()).toMatchObject({ completed: total, settling: 0, settleErrors: 0 });
    expect(await queue.getJobCounts('completed', 'active', 'waiting')).toEqual({
      completed: total,
      active: 0,
      waiting: 0,
    });
    expect(mostSettling).toBeGreaterThan(1);
    // A pull waits when each settle starts, so its Redis call brings that pull's job.
    const { fetched, fetchedWithSettle } = jobs.stats();
    expect(fetched).toBe(total);
    expect(fetchedWithSettle).toBeGreaterThan(total / 2);
  });

  it('an early exit waits for the settles in flight; unsettled jobs stay held, none is lost', async () => {
    const total = 60;
    const { queue, jobs, settle } = await trivialRun('exit', total);
    let records = 0;
    for await (const _ of settle(jobs)) if (++records === 5) break;
    const { completed, settling } = settle.stats();
    expect(settling).toBe(0);
    expect(completed).toBeGreaterThanOrEqual(5);
    const {
      active = 0,
      waiting = 0,
      ...counts
    } = await queue.getJobCounts('completed', 'active', 'waiting');
    expect(counts.completed).toBe(completed);
    // Jobs the stage or the read-ahead held and never settled: active under this source's locks.
    expect(active).toBe(jobs.stats().held);
    expect(completed + active + waiting).toBe(total);
  });
});
