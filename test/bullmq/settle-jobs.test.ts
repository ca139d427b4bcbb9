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
    expect(settle.stats()).toEqual({ completed: 3, failed: 1, settleErrors: 0 });
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
});
