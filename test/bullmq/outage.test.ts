/**
 * An outage of the solver mid-run, with two workers in-process on one queue: the first breaker
 * to open pauses the whole queue (`pauseFleetWhileOpen`), submits stop, and once the service
 * is back the fleet resumes by itself and every job ends solved.
 */
import { expect, it, vi } from 'vitest';
import {
  pauseFleetWhileOpen,
  queueSource,
  resumableSolver,
  settleJobs,
} from '../../src/bullmq/index.js';
import { DEFAULT_MOCK_KEY, startMockSolver } from '../../src/mock/index.js';
import { createSolver } from '../../src/solver/create-solver.js';
import { solveStage } from '../../src/solver/solve-stage.js';
import type { Task } from '../../src/solver/task.js';
import { describeWithRedis, redisPerTest } from './redis.js';

describeWithRedis('a solver outage across the fleet', () => {
  const { freshQueue, onCleanup } = redisPerTest('captcha');

  it('the fleet pauses while the service is down and resumes by itself after', async () => {
    const { queue, prefix, connection } = await freshQueue<Task>('outage');
    const mock = await startMockSolver({
      timeScale: 0.002,
      keys: { [DEFAULT_MOCK_KEY]: { threads: 10, balance: 1_000_000 } },
    });
    onCleanup(() => mock.close());
    const total = 120;
    for (let i = 0; i < total; i++) {
      await queue.add(
        'task',
        { id: `t${i}`, type: 'turnstile', sitekey: '0x4AAAAAAAexample', pageurl: 'https://a.b' },
        { jobId: `task-${i}` },
      );
    }
    const stop = new AbortController();
    const solved = new Set<unknown>();
    let failed = 0;
    let pausedSeen = false;
    const worker = async () => {
      const solver = createSolver({
        apiKey: DEFAULT_MOCK_KEY,
        baseUrl: mock.url,
        firstPollDelay: 10,
        pollInterval: 10,
        transientDelay: 10,
        requestTimeout: 2_000,
      });
      const jobs = queueSource<Task>('captcha', { connection, prefix, onRedisWarning: false });
      const stage = solveStage<Task>(resumableSolver(solver), {
        max: 5,
        rateLimit: false,
        retries: 50,
        retryDelay: 10,
        maxRetryDelay: 50,
        breaker: { failureThreshold: 3, resetTimeout: 400 },
      });
      const dispose = pauseFleetWhileOpen(stage.breaker, jobs.queue);
      try {
        for await (const record of settleJobs(stage)(jobs, { signal: stop.signal })) {
          if (record.status === 'solved') solved.add(record.task.id);
          else failed++;
          if (solved.size + failed >= total) stop.abort();
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      } finally {
        dispose();
        await jobs.close();
        await solver.close();
      }
    };
    const running = Promise.all([worker(), worker()]);

    await vi.waitFor(() => expect(solved.size).toBeGreaterThanOrEqual(30), {
      timeout: 30_000,
      interval: 10,
    });
    mock.configure({ faults: [{ kind: 'html-5xx', route: 'in' }] });
    // A breaker opens and pauses the queue for every worker.
    await vi.waitFor(
      async () => {
        pausedSeen ||= (await queue.getRateLimitTtl(1e15)) > 0;
        expect(pausedSeen).toBe(true);
      },
      { timeout: 30_000, interval: 10 },
    );
    const solvedAtPause = solved.size;
    mock.configure({ faults: [] });

    await running;
    expect(solved.size).toBe(total);
    expect(failed).toBe(0);
    expect(solvedAtPause).toBeLessThan(total);
    expect(await queue.getJobCounts('completed')).toEqual({ completed: total });
  }, 90_000);
});
