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
 *   npm run bench -- fleet [--n=5000] [--concurrency=20] [--reps=2]
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
import { machineLine, numberFlag } from './harness.js';

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
): Promise<{ jobsPerSecond: number; memory: string[] }> {
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
    await once(w.child, 'exit');
  }
  await queue.obliterate({ force: true });
  await queue.close();
  return { jobsPerSecond: n / seconds, memory };
}

async function main(): Promise<void> {
  const n = numberFlag('n', 5_000);
  const concurrency = numberFlag('concurrency', 20);
  const reps = numberFlag('reps', 2);
  const own = process.env.REDIS_URL ? undefined : await startOwnRedis();
  const redis = process.env.REDIS_URL ?? (own as { url: string }).url;
  console.log(machineLine());
  console.log(
    `fleet: ${n} trivial jobs, concurrency ${concurrency} per process, best of ${reps}; Redis ${own ? 'own' : 'REDIS_URL'}`,
  );
  try {
    for (const processes of [1, 3]) {
      const best: Record<Mode, number> = {
        'bullmq-worker': 0,
        queueSource: 0,
        'queueSource+prefetch': 0,
      };
      // Alternate the modes so machine load drifts hit them alike.
      for (let rep = 0; rep < reps; rep++) {
        for (const mode of modes) {
          const r = await runCase(redis, mode, processes, concurrency, n);
          best[mode] = Math.max(best[mode], r.jobsPerSecond);
          console.log(
            `  ${processes} process(es) ${mode.padEnd(20)} ${r.jobsPerSecond.toFixed(0).padStart(6)} jobs/s  [${r.memory.join('; ')}]`,
          );
        }
      }
      const ratio = (mode: Mode) => (best[mode] / best['bullmq-worker']).toFixed(2);
      console.log(
        `${processes} process(es): BullMQ Worker ${best['bullmq-worker'].toFixed(0)} jobs/s; queueSource ${best.queueSource.toFixed(0)} jobs/s (${ratio('queueSource')}x); queueSource prefetch ${concurrency} ${best['queueSource+prefetch'].toFixed(0)} jobs/s (${ratio('queueSource+prefetch')}x) (target ≥ 0.9x)`,
      );
    }
  } finally {
    await own?.stop();
  }
}

if (arg('role') === 'worker') await workerRole();
else await main();
