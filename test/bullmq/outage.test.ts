/**
 * An outage of the solver's submit endpoint mid-run, with three `work` processes (the bundled
 * CLI) on one queue and one mock account. Every request the mock receives is recorded
 * (`onRequest`): the test counts the submits that arrive during the outage and checks them
 * against the bound below, then checks that the fleet resumes by itself.
 *
 * The bound. During the outage every submit is answered with an HTML 5xx (a transient failure
 * the breaker counts). A call under a worker's breaker makes at most one submit, and a worker
 * with `--max c` has at most c calls in flight. Its breaker opens at F consecutive failures
 * (`--breaker-failures F`); only a success resets the count, and during the outage a success
 * can only come from a call in flight when it began (its submit accepted before), so at most
 * c successes per worker, each letting at most F − 1 more failures through: at most
 * F + c × (F − 1) failing calls come before the breaker opens. When it opens, at most c − 1
 * other calls admitted while it was closed are in flight, each with at most one submit to
 * come. After that the worker submits nothing until its breaker turns half-open (one trial
 * call per episode), and the whole queue is rate-limited for the open time
 * (`pauseFleetWhileOpen`). So with W workers, the submits the fleet makes from the start of
 * the outage until every breaker is open are at most
 *
 *   W × F + W × (c − 1) + W × c × (F − 1) + H
 *
 * where H is the number of half-open episodes before the last breaker opened (0 unless a
 * reset time passed first; counted from the workers' `work: breaker half-open` lines).
 */
import { Queue } from 'bullmq';
import { expect, it, vi } from 'vitest';
import { DEFAULT_MOCK_KEY, type MockSolver, startMockSolver } from '../../src/mock/index.js';
import { runCli, turnstileTasks, useBuiltCli } from '../cli/cli-process.js';
import { fleetProcesses } from './fleet-processes.js';
import {
  connectionOptions,
  deleteKeys,
  describeWithRedis,
  redisUrl,
  uniquePrefix,
} from './redis.js';

const WORKERS = 3;
const MAX = 4;
const FAILURES = 3;
const TASKS = 150;

describeWithRedis('a solver outage across the fleet (worker processes)', () => {
  const main = useBuiltCli();
  const { running, cleanups } = fleetProcesses();

  it(`${WORKERS} workers stop submitting within W × F + W × (c − 1) + W × c × (F − 1) + H submits, and resume by themselves`, async () => {
    let phase: 'before' | 'outage' | 'after' = 'before';
    const submits = { before: 0, outage: 0, after: 0, afterAccepted: 0 };
    let solvedDuringOutage = 0;
    const mock: MockSolver = await startMockSolver({
      timeScale: 0.01, // results live 3 s: a busy machine's polls still find them
      unsolvableRate: 0, // every task can be solved: a failed job would be the fleet's doing
      keys: { [DEFAULT_MOCK_KEY]: { threads: 10, balance: 1_000_000 } },
      onRequest: (record) => {
        if (phase === 'outage' && record.route === 'res.get' && record.answer === 'OK')
          solvedDuringOutage++;
        if (record.route !== 'in') return;
        submits[phase]++;
        if (phase === 'after' && record.fault === undefined && record.taskId !== undefined)
          submits.afterAccepted++;
      },
    });
    cleanups.push(() => mock.close());
    const name = uniquePrefix('outage');
    cleanups.push(() => deleteKeys(`bull:${name}`));
    const queue = new Queue(name, { connection: connectionOptions() });
    cleanups.push(() => queue.close());
    const tasks = turnstileTasks(TASKS) as { id: string }[];
    await queue.addBulk(
      tasks.map((task) => ({ name: 'task', data: task, opts: { jobId: `task-${task.id}` } })),
    );

    const workers = Array.from({ length: WORKERS }, () =>
      runCli(main(), [
        'work',
        ...['--redis', redisUrl as string, '--queue', name, '--base-url', mock.url],
        ...['--max', String(MAX), '--rate', 'off', '--retries', '30'],
        ...['--breaker-failures', String(FAILURES), '--breaker-reset', '1s'],
        ...['--first-poll-delay', '10', '--poll-interval', '10'],
      ]),
    );
    running.push(...workers);
    await Promise.all(workers.map((w) => w.waitForLine(/^work: ready/)));
    await vi.waitFor(
      async () =>
        expect((await queue.getJobCounts('completed')).completed).toBeGreaterThanOrEqual(30),
      {
        timeout: 60_000,
        interval: 20,
      },
    );

    // The outage: every submit answered with an HTML 5xx.
    const linesAtStart = workers.map((w) => w.stdout.length);
    const linesSince = (i: number) => workers[i]!.stdout.slice(linesAtStart[i]);
    phase = 'outage';
    mock.configure({ faults: [{ kind: 'html-5xx', route: 'in' }] });
    await vi.waitFor(
      () => {
        for (let i = 0; i < WORKERS; i++) expect(linesSince(i)).toContain('work: breaker open');
      },
      { timeout: 60_000, interval: 10 },
    );
    // Every breaker is open: from here on, nothing but half-open trials would submit.
    const halfOpens = workers
      .map((_, i) => linesSince(i).filter((l) => l === 'work: breaker half-open').length)
      .reduce((a, b) => a + b, 0);
    const duringOutage = submits.outage;
    const bound =
      WORKERS * FAILURES + WORKERS * (MAX - 1) + WORKERS * MAX * (FAILURES - 1) + halfOpens;
    const pausedTtl = await queue.getRateLimitTtl(1e15);
    phase = 'after';
    mock.configure({ faults: [] });

    expect(duringOutage).toBeGreaterThan(0);
    expect(duringOutage).toBeLessThanOrEqual(WORKERS * FAILURES + WORKERS * (MAX - 1) + halfOpens);

    // It resumes by itself: submits are accepted again and every task ends solved, once.
    await vi.waitFor(
      async () => {
        const { completed = 0, failed = 0 } = await queue.getJobCounts('completed', 'failed');
        expect(completed + failed).toBe(TASKS);
      },
      { timeout: 90_000, interval: 50 },
    );
    const failedJobs = await queue.getFailed(0, TASKS);
    expect(failedJobs.map((job) => job.failedReason)).toEqual([]);
    expect(submits.afterAccepted).toBeGreaterThan(0);
    expect(await queue.getJobCounts('completed', 'failed', 'active', 'wait')).toEqual({
      completed: TASKS,
      failed: 0,
      active: 0,
      wait: 0,
    });
    const finished = await queue.getCompleted(0, TASKS);
    expect(new Set(finished.map((job) => job.id)).size).toBe(TASKS);
    expect(
      finished.every((job) => (job.returnvalue as { status: string }).status === 'solved'),
    ).toBe(true);
    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) expect((await w.exit).code).toBe(0);
    console.log(
      `outage: ${duringOutage} submits during the outage (bound ${bound}; ${solvedDuringOutage} polls answered with a solution during it, ${halfOpens} half-open episodes), fleet rate-limit TTL when all were open ${pausedTtl} ms, ${submits.afterAccepted} accepted after`,
    );
  }, 180_000);
});
