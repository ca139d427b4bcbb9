/**
 * The fleet, as users run it: one producer (`enqueue`), three workers (`work`) and one collector
 * (`collect --follow`) as child processes of the bundled CLI, sharing one Redis queue and one mock
 * solver account with 20 threads (global concurrency 20). One worker is killed with SIGKILL
 * mid-run. Checked: every task ends with exactly one record; tasks created on the mock exceed the
 * task count by at most what the killed worker held; the mock's busy threads never exceeded 20;
 * the producer waited at its high-water mark; the killed worker's jobs came back (stalled) and
 * finished. Waits are on output lines and counters, never on sleeps.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { expect, it, vi } from 'vitest';
import { DEFAULT_MOCK_KEY, type MockSolver, startMockSolver } from '../../src/mock/index.js';
import { runCli, tempDir, turnstileTasks, useBuiltCli, writeLines } from '../cli/cli-process.js';
import { fleetProcesses } from './fleet-processes.js';
import {
  connectionOptions,
  deleteKeys,
  describeWithRedis,
  redisUrl,
  uniquePrefix,
} from './redis.js';

/** Tasks in the run: the 2,000 (55-70 s on 2 cores at load average 15-20). */
const TASKS = 2_000;
const THREADS = 20;

describeWithRedis('the fleet: enqueue, three workers, collect (child processes)', () => {
  const main = useBuiltCli();
  const { running, cleanups } = fleetProcesses();

  const lineCount = (path: string): number => {
    try {
      return readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l !== '').length;
    } catch {
      return 0;
    }
  };

  it(`${TASKS} tasks, one worker SIGKILLed mid-run: one record per task, no thread over ${THREADS}`, async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const mock: MockSolver = await startMockSolver({
      timeScale: 0.005,
      keys: { [DEFAULT_MOCK_KEY]: { threads: THREADS, balance: 1_000_000 } },
    });
    cleanups.push(() => mock.close());
    const queue = uniquePrefix('fleet');
    cleanups.push(() => deleteKeys(`bull:${queue}`));
    const redis = redisUrl as string;
    const tasks = join(dir, 'tasks.jsonl');
    const results = join(dir, 'results.jsonl');
    writeLines(tasks, turnstileTasks(TASKS));

    const events = new QueueEvents(queue, { connection: connectionOptions() });
    cleanups.push(() => events.close());
    let stalled = 0;
    events.on('stalled', () => {
      stalled++;
    });
    await events.waitUntilReady();

    const work = () =>
      runCli(main(), [
        'work',
        ...['--redis', redis, '--queue', queue, '--base-url', mock.url],
        ...['--max', String(THREADS), '--global-concurrency', String(THREADS), '--rate', 'off'],
        ...['--first-poll-delay', '20', '--poll-interval', '20'],
        ...['--lock-duration', '2s', '--stalled-interval', '500ms'],
      ]);
    const workers = [work(), work(), work()];
    running.push(...workers);
    await Promise.all(workers.map((w) => w.waitForLine(/^work: ready/)));
    const collector = runCli(main(), [
      'collect',
      ...['--redis', redis, '--queue', queue, '--out', results, '--follow'],
    ]);
    const producer = runCli(main(), [
      'enqueue',
      tasks,
      ...['--redis', redis, '--queue', queue, '--high-water-mark', '100'],
    ]);
    running.push(collector, producer);

    // Mid-run: the victim is the first worker to have settled 150 jobs or more while it says it
    // holds some. Not a fixed worker: the three share 20 slots of global concurrency, and a
    // worker that settles with BullMQ's fetchNext keeps its slot, so on a loaded machine one
    // worker may settle few jobs in the whole run (BullMQ's own workers share slots alike).
    const victimIndex = await Promise.race(
      workers.map((w, index) =>
        w
          .waitForLine(/^work: settled (1[5-9]\d|[2-9]\d\d|\d{4,}) \(holding [1-9]/)
          .then(() => index),
      ),
    );
    const victim = workers[victimIndex]!;
    const survivors = workers.filter((w) => w !== victim);
    const solvedAtKill = mock.state().keys[DEFAULT_MOCK_KEY]?.solved ?? 0;
    victim.child.kill('SIGKILL');
    expect((await victim.exit).signal).toBe('SIGKILL');

    const enqueued = await producer.waitForLine(/^enqueue: added/);
    await vi.waitFor(() => expect(lineCount(results)).toBe(TASKS), {
      timeout: 120_000,
      interval: 50,
    });
    for (const w of [...survivors, collector]) w.child.kill('SIGTERM');
    for (const w of [...survivors, collector]) expect((await w.exit).code).toBe(0);

    // Exactly one record per task, all solved.
    const records = readFileSync(results, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { id: string; status: string });
    expect(new Set(records.map((r) => r.id)).size).toBe(TASKS);
    expect(records.every((r) => r.status === 'solved')).toBe(true);

    // The producer waited at its mark, and added each task once.
    const [, added, waits] = /added (\d+), rejected 0, waits (\d+)/.exec(enqueued) ?? [];
    expect(Number(added)).toBe(TASKS);
    expect(Number(waits)).toBeGreaterThan(0);

    // The kill was mid-run, and the killed worker's jobs came back (stalled) and finished: the
    // survivors count the jobs they were given on a second delivery (the QueueEvents count of
    // stalled jobs is reported too, but a lagging event reader on a busy machine may miss one).
    expect(solvedAtKill).toBeLessThan(TASKS);
    let redelivered = 0;
    const shares: number[] = [];
    for (const w of survivors) {
      const stopped = await w.waitForLine(/^work: stopped after/);
      redelivered += Number(/(\d+) redelivered/.exec(stopped)?.[1] ?? Number.NaN);
      shares.push(Number(/after (\d+) solved/.exec(stopped)?.[1] ?? Number.NaN));
    }
    expect(redelivered).toBeGreaterThan(0);

    // Paid at most once per task, except what the killed worker had submitted without its id
    // stored yet (at most its in-flight count, ≤ THREADS); never more than THREADS threads busy.
    const account = mock.state().keys[DEFAULT_MOCK_KEY]!;
    expect(account.accepted).toBeGreaterThanOrEqual(TASKS);
    expect(account.accepted - TASKS).toBeLessThanOrEqual(redelivered);
    expect(account.peakInFlight).toBeLessThanOrEqual(THREADS);
    console.log(
      `fleet: ${TASKS} tasks, survivors solved ${shares.join(' + ')}, accepted ${account.accepted}, stalled ${stalled}, redelivered ${redelivered}, peak threads ${account.peakInFlight}, no-slot answers ${account.noSlot}; ${enqueued}`,
    );
  }, 180_000);
});
