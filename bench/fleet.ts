/**
 * Jobs per second through BullMQ with a trivial job: `queueSource` (manual fetching, our lock
 * renewal, `complete()`) against BullMQ's own `Worker` with a processor function, at the same
 * concurrency, on the same Redis, with 1 and 3 worker processes. Each case: the queue is paused,
 * filled with N jobs, the workers start and say ready, the queue resumes, and the clock runs
 * until every job is completed. Memory: each worker process reports its heap and RSS when
 * ready and when done.
 *
 * Uses `REDIS_URL`, or starts a redis-server of its own on a free loopback port.
 *
 * Records its tables in `bench/results/fleet.json` for `bench/report.ts` (section "Fleet (BullMQ)").
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npm run bench -- fleet [--n=5000] [--concurrency=20] [--reps=2]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { queueSource } from '../src/bullmq/queue-source.js';
import { redisConnectionFromUrl } from '../src/bullmq/redis-url.js';
import { startOwnRedis } from '../test/bullmq/redis-server.js';
import { machineLine, median, numberFlag } from './harness.js';
import { GroupRecorder } from './results.js';

const self = fileURLToPath(import.meta.url);
const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** `queueSource+prefetch`: `prefetch` = the concurrency, so a settle fetches the next job as BullMQ's Worker does. */
type Mode = 'bullmq-worker' | 'queueSource' | 'queueSource+prefetch';
const modes: readonly Mode[] = ['bullmq-worker', 'queueSource', 'queueSource+prefetch'];

/** A worker process: consume until SIGTERM, then print its memory and exit. */
async function workerRole(): Promise<void> {
  const connection = redisConnectionFromUrl(arg('redis') as string);
  const name = arg('queue') as string;
  const mode = arg('mode') as Mode;
  const concurrency = Number(arg('concurrency'));
  const memory = () => {
    const m = process.memoryUsage();
    return { heapMB: +(m.heapUsed / 2 ** 20).toFixed(1), rssMB: +(m.rss / 2 ** 20).toFixed(1) };
  };
  let done = 0;
  let stop: () => Promise<void>;
  if (mode === 'bullmq-worker') {
    const worker = new Worker(name, async () => ({ ok: true }), { connection, concurrency });
    worker.on('completed', () => {
      done++;
    });
    await worker.waitUntilReady();
    stop = () => worker.close();
  } else {
    const jobs = queueSource(name, {
      connection,
      onRedisWarning: false,
      prefetch: mode === 'queueSource+prefetch' ? concurrency : 0,
    });
    const loops = Array.from({ length: concurrency }, async () => {
      for (;;) {
        const next = await jobs.next();
        if (next.done) return;
        await next.value.complete({ ok: true });
        done++;
      }
    });
    await jobs.queue.waitUntilReady();
    stop = async () => {
      await jobs.return?.();
      await Promise.all(loops);
      await jobs.close();
    };
  }
  global.gc?.();
  const atReady = memory();
  console.log(JSON.stringify({ ready: true }));
  await once(process, 'SIGTERM');
  await stop();
  global.gc?.();
  console.log(JSON.stringify({ done, atReady, atEnd: memory() }));
  process.exit(0);
}

interface WorkerProcess {
  child: ChildProcess;
  lines: AsyncIterator<string>;
}

function spawnWorker(redis: string, queue: string, mode: Mode, concurrency: number) {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      self,
      '--role=worker',
      `--redis=${redis}`,
      `--queue=${queue}`,
      `--mode=${mode}`,
      `--concurrency=${concurrency}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines } satisfies WorkerProcess;
}

async function runCase(
  redis: string,
  mode: Mode,
  processes: number,
  concurrency: number,
  n: number,
): Promise<{ jobsPerSecond: number; memory: string[]; endRssMB: number[]; endHeapMB: number[] }> {
  const connection = redisConnectionFromUrl(redis);
  const name = `bench-fleet-${randomUUID().slice(0, 8)}`;
  const queue = new Queue(name, { connection });
  await queue.pause();
  for (let at = 0; at < n; at += 1_000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1_000, n - at) }, (_, i) => ({
        name: 'job',
        data: { i: at + i },
        opts: { removeOnComplete: false },
      })),
    );
  }
  const workers = Array.from({ length: processes }, () =>
    spawnWorker(redis, name, mode, concurrency),
  );
  for (const w of workers) await w.lines.next(); // ready
  const started = performance.now();
  await queue.resume();
  for (;;) {
    const { completed = 0 } = await queue.getJobCounts('completed');
    if (completed >= n) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const seconds = (performance.now() - started) / 1_000;
  const memory: string[] = [];
  const endRssMB: number[] = [];
  const endHeapMB: number[] = [];
  for (const w of workers) {
    w.child.kill('SIGTERM');
    const report = JSON.parse((await w.lines.next()).value as string) as {
      done: number;
      atReady: { heapMB: number; rssMB: number };
      atEnd: { heapMB: number; rssMB: number };
    };
    memory.push(
      `${report.done} jobs, heap ${report.atReady.heapMB}→${report.atEnd.heapMB} MB, rss ${report.atReady.rssMB}→${report.atEnd.rssMB} MB`,
    );
    endRssMB.push(report.atEnd.rssMB);
    endHeapMB.push(report.atEnd.heapMB);
    await once(w.child, 'exit');
  }
  await queue.obliterate({ force: true });
  await queue.close();
  return { jobsPerSecond: n / seconds, memory, endRssMB, endHeapMB };
}

const TARGET = 0.9;

async function main(): Promise<void> {
  const n = numberFlag('n', 5_000);
  const concurrency = numberFlag('concurrency', 20);
  const reps = numberFlag('reps', 2);
  const own = process.env.REDIS_URL ? undefined : await startOwnRedis();
  const redis = process.env.REDIS_URL ?? (own as { url: string }).url;
  const recorder = new GroupRecorder('fleet', {
    title: 'Fleet (BullMQ)',
    about:
      'Jobs per second of a trivial job through `queueSource` (the consumer side of a ' +
      '`queueSink` → `queueSource` fleet: manual fetching, our lock renewal, `complete()`; the ' +
      "queue is filled beforehand with BullMQ's `addBulk`, so only consuming is timed) against " +
      "BullMQ's own `Worker` with a processor function, at the same concurrency per process, on " +
      'the same Redis (local, AOF on, `noeviction`), with 1 and 3 worker processes. Each case ' +
      'pauses a fresh queue, fills it with N jobs, starts the workers and waits until they are ' +
      'ready, resumes the queue and times until every job is completed. `queueSource` runs ' +
      'in its default mode (fetch, then settle: two Redis round trips per job) and with ' +
      "`prefetch` = the concurrency (the next job fetched as one settles, as BullMQ's worker " +
      'does). Modes run alternately within each repetition so load drifts hit them alike; ' +
      'the best of the repetitions is kept, the ratio is to the BullMQ Worker measured in the ' +
      'same run, and the target is ≥ 0.9x.',
    command: `REDIS_URL=redis://127.0.0.1:<port> npm run bench -- fleet --n=${n} --concurrency=${concurrency} --reps=${reps}`,
  });
  console.log(machineLine());
  console.log(
    `fleet: ${n} trivial jobs, concurrency ${concurrency} per process, best of ${reps}; Redis ${own ? 'own' : 'REDIS_URL'}`,
  );
  const rows: string[][] = [];
  const memoryRows: string[][] = [];
  try {
    for (const processes of [1, 3]) {
      const runs = new Map<
        Mode,
        { jobsPerSecond: number; endRssMB: number[]; endHeapMB: number[] }[]
      >(modes.map((m) => [m, []]));
      // Alternate the modes so machine load drifts hit them alike.
      for (let rep = 0; rep < reps; rep++) {
        for (const mode of modes) {
          const r = await runCase(redis, mode, processes, concurrency, n);
          runs.get(mode)!.push(r);
          console.log(
            `  ${processes} process(es) ${mode.padEnd(20)} ${r.jobsPerSecond.toFixed(0).padStart(6)} jobs/s  [${r.memory.join('; ')}]`,
          );
        }
      }
      const best = (mode: Mode) => Math.max(...runs.get(mode)!.map((r) => r.jobsPerSecond));
      const baseline = best('bullmq-worker');
      for (const mode of modes) {
        const ratio = best(mode) / baseline;
        const all = runs.get(mode)!;
        rows.push([
          String(processes),
          mode === 'queueSource+prefetch' ? `queueSource, prefetch ${concurrency}` : mode,
          best(mode).toFixed(0),
          all.map((r) => r.jobsPerSecond.toFixed(0)).join(', '),
          `${ratio.toFixed(2)}x`,
          mode === 'bullmq-worker'
            ? 'baseline'
            : `>= ${TARGET}x ${ratio >= TARGET ? 'met' : 'MISSED'}`,
        ]);
        const rss = all.flatMap((r) => r.endRssMB);
        const heap = all.flatMap((r) => r.endHeapMB);
        memoryRows.push([
          String(processes),
          mode === 'queueSource+prefetch' ? `queueSource, prefetch ${concurrency}` : mode,
          `${median(heap).toFixed(1)} MB`,
          `${median(rss).toFixed(0)} MB`,
          `${Math.min(...rss).toFixed(0)}–${Math.max(...rss).toFixed(0)} MB`,
        ]);
      }
      recorder.series(`jobsPerSecond-${processes}`, Object.fromEntries(runs));
    }
  } finally {
    await own?.stop();
  }
  recorder.table({
    title: `Jobs per second, ${n.toLocaleString('en')} trivial jobs, concurrency ${concurrency} per process, best of ${reps}`,
    text: 'Throughput of each mode over all worker processes; the ratio is the best run against the best BullMQ Worker run at the same process count.',
    columns: [
      'processes',
      'consumer',
      'jobs/s (best)',
      'jobs/s per rep',
      'x BullMQ Worker',
      'target',
    ],
    rows,
  });
  recorder.table({
    title: 'Memory per worker process',
    text:
      'Each worker process after it drained its share of the queue and a forced gc (median and ' +
      'range over processes and repetitions). Worker processes run under `tsx`, whose loader is ' +
      'part of every RSS figure alike.',
    columns: ['processes', 'consumer', 'heap used (median)', 'RSS (median)', 'RSS min–max'],
    rows: memoryRows,
  });
  recorder.save();
}

if (arg('role') === 'worker') await workerRole();
else await main();
