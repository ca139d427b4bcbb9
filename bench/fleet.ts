/**
 * Jobs per second through BullMQ with a trivial job: `queueSource` (manual fetching, our lock
 * renewal, `complete()`) against BullMQ's own `Worker` with a processor function, at the same
 * concurrency, on the same Redis, with 1 and 3 worker processes. Each case: the queue is paused,
 * filled with N jobs, the workers start and say ready, the queue resumes, and the clock runs
 * from the moment a tenth of the jobs is completed (start-up over) until every job is. Ratios are paired (runs of the same repetition), reported as
 * median and range. Each worker process reports its CPU time, and its heap and RSS when ready
 * and when drained (still running, after a forced gc); redis-server's CPU comes from INFO.
 *
 * Uses `REDIS_URL`, or starts a redis-server of its own on a free loopback port.
 *
 * Records its tables in `bench/results/fleet.json` for `bench/report.ts` (section "Fleet (BullMQ)").
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npm run bench -- fleet [--n=5000] [--concurrency=20] [--reps=9] [--processes=1,3]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueSource } from '../src/bullmq/queue-source.js';
import { redisConnectionFromUrl } from '../src/bullmq/redis-url.js';
import { settleJobs } from '../src/bullmq/settle-jobs.js';
import { adaptiveMap } from '../src/stages/adaptive-map.js';
import { startOwnRedis } from '../test/bullmq/redis-server.js';
import { machineLine, median, numberFlag } from './harness.js';
import { GroupRecorder } from './results.js';

const self = fileURLToPath(import.meta.url);
const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/**
 * The consumers compared, each with the same concurrency `c` per process:
 * - `bullmq-worker`: BullMQ's `Worker` with a processor function (`concurrency: c`); a slot
 *   that finishes completes its job and gets its next one in the same Redis call.
 * - `slots`: `c` loops over one `queueSource` that, as a job's processing ends, pull the next
 *   job and then settle the finished one (the next pull is made before the settle, as in
 *   BullMQ's slot, so the settle can bring it: demand-driven fetching).
 * - `loops`: `c` loops of `next()`, then `complete()`, then `next()`: the next pull only after
 *   the settle, so a settle can only bring a job for another loop's pull (the worst case).
 * - `loops+prefetch`: the same loops with `prefetch: c` (a settle fetches ahead, as BullMQ's
 *   Worker does).
 * - `work`: the pipeline `backpressure-kit work` runs, `settleJobs(stage)(source)`, with a
 *   trivial `adaptiveMap` at a fixed limit of `c` as the stage (`settleJobs` settles up to
 *   `maxSettling` jobs at once, and pulls jobs ahead within the stage's limit).
 * - `work+prefetch`: the same with `prefetch: c`.
 */
type Mode = 'bullmq-worker' | 'slots' | 'loops' | 'loops+prefetch' | 'work' | 'work+prefetch';
const allModes: readonly Mode[] = [
  'bullmq-worker',
  'slots',
  'loops',
  'loops+prefetch',
  'work',
  'work+prefetch',
];

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
  let roundTrips = (): string => 'fetch with settle as BullMQ does';
  if (mode === 'bullmq-worker') {
    const worker = new Worker(name, async () => ({ ok: true }), { connection, concurrency });
    worker.on('completed', () => {
      done++;
    });
    await worker.waitUntilReady();
    stop = () => worker.close();
  } else {
    const jobs = queueSource<{ i: number }>(name, {
      connection,
      onRedisWarning: false,
      prefetch: mode.endsWith('+prefetch') ? concurrency : 0,
    });
    const settleLoop = async (): Promise<void> => {
      for await (const _ of settleJobs(
        adaptiveMap(async (task: { i: number }) => ({ task, status: 'solved' as const }), {
          min: concurrency,
          max: concurrency,
        }),
      )(jobs))
        done++;
    };
    const slot = async (): Promise<void> => {
      let current = await jobs.next();
      while (!current.done) {
        const finished = current.value; // processed: a trivial job takes no time
        const next = jobs.next();
        await finished.complete({ ok: true });
        done++;
        current = await next;
      }
    };
    const loop = async (): Promise<void> => {
      for (;;) {
        const next = await jobs.next();
        if (next.done) return;
        await next.value.complete({ ok: true });
        done++;
      }
    };
    const loops = mode.startsWith('work')
      ? [settleLoop()]
      : Array.from({ length: concurrency }, mode === 'slots' ? slot : loop);
    await jobs.queue.waitUntilReady();
    roundTrips = () => {
      const s = jobs.stats();
      return `${s.fetchedWithSettle} of ${s.fetched} fetched with a settle`;
    };
    stop = async () => {
      await jobs.return?.();
      await Promise.all(loops);
      await jobs.close();
    };
  }
  global.gc?.();
  const atReady = memory();
  const cpuAtReady = process.cpuUsage();
  console.log(JSON.stringify({ ready: true }));
  await once(process, 'SIGTERM');
  // Drained but still running: what a long-lived worker keeps per job shows here.
  const cpu = process.cpuUsage(cpuAtReady);
  global.gc?.();
  const atDrained = memory();
  await stop();
  global.gc?.();
  console.log(
    JSON.stringify({
      done,
      cpuMs: (cpu.user + cpu.system) / 1_000,
      atReady,
      atDrained,
      atEnd: memory(),
      fetches: roundTrips(),
    }),
  );
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

/** What one run of one mode measured. */
interface CaseRun {
  jobsPerSecond: number;
  /** CPU time of all worker processes together, per job (from ready until drained). */
  workerCpuUsPerJob: number;
  /** CPU time of redis-server per job over the timed part (the coordinator's polling included, alike for every mode). */
  redisCpuUsPerJob: number;
  /** Per worker process: heap and RSS when drained and still running, after a forced gc. */
  drainedHeapMB: number[];
  drainedRssMB: number[];
  /** Per worker process: heap growth from ready to drained (MB). */
  heapGrowthMB: number[];
  lines: string[];
}

/** redis-server's CPU seconds so far (user + sys), from INFO. */
async function redisCpuSeconds(queue: Queue): Promise<number> {
  const client = (await queue.getBackend().client) as unknown as Redis;
  const info = await client.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function runCase(
  redis: string,
  mode: Mode,
  processes: number,
  concurrency: number,
  n: number,
): Promise<CaseRun> {
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
  await queue.resume();
  // The clock starts once a tenth of the jobs is done: start-up (connections, scripts loaded,
  // the pulls ramping up) is over for every mode alike; it measures the steady rate.
  let startedAt = 0;
  let completedAtStart = 0;
  let redisCpuAtStart = 0;
  for (;;) {
    const { completed = 0 } = await queue.getJobCounts('completed');
    if (startedAt === 0 && completed >= n / 10) {
      startedAt = performance.now();
      completedAtStart = completed;
      redisCpuAtStart = await redisCpuSeconds(queue);
    }
    if (completed >= n) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = (performance.now() - startedAt) / 1_000;
  const timed = n - completedAtStart;
  const redisCpu = (await redisCpuSeconds(queue)) - redisCpuAtStart;
  const run: CaseRun = {
    jobsPerSecond: timed / seconds,
    workerCpuUsPerJob: 0,
    redisCpuUsPerJob: (redisCpu * 1e6) / timed,
    drainedHeapMB: [],
    drainedRssMB: [],
    heapGrowthMB: [],
    lines: [],
  };
  let workerCpuMs = 0;
  for (const w of workers) {
    w.child.kill('SIGTERM');
    const report = JSON.parse((await w.lines.next()).value as string) as {
      done: number;
      cpuMs: number;
      atReady: { heapMB: number; rssMB: number };
      atDrained: { heapMB: number; rssMB: number };
      atEnd: { heapMB: number; rssMB: number };
      fetches: string;
    };
    run.lines.push(
      `${report.done} jobs (${report.fetches}), heap ${report.atReady.heapMB}→${report.atDrained.heapMB}→${report.atEnd.heapMB} MB, rss ${report.atReady.rssMB}→${report.atDrained.rssMB} MB`,
    );
    workerCpuMs += report.cpuMs;
    run.drainedHeapMB.push(report.atDrained.heapMB);
    run.drainedRssMB.push(report.atDrained.rssMB);
    run.heapGrowthMB.push(report.atDrained.heapMB - report.atReady.heapMB);
    await once(w.child, 'exit');
  }
  run.workerCpuUsPerJob = (workerCpuMs * 1_000) / n;
  await queue.obliterate({ force: true });
  await queue.close();
  return run;
}

const TARGET = 0.9;
const label = (mode: Mode, c: number): string =>
  ({
    'bullmq-worker': `BullMQ Worker, concurrency ${c}`,
    slots: `queueSource, ${c} slots: pull next, then settle`,
    loops: `queueSource, ${c} loops: settle, then pull`,
    'loops+prefetch': `queueSource, ${c} loops, prefetch ${c}`,
    work: `\`work\`'s pipeline: settleJobs(adaptiveMap ${c})`,
    'work+prefetch': `\`work\`'s pipeline, prefetch ${c}`,
  })[mode];
const range = (values: number[], digits: number): string =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

async function main(): Promise<void> {
  const n = numberFlag('n', 5_000);
  const concurrency = numberFlag('concurrency', 20);
  const reps = numberFlag('reps', 9);
  const processCounts = (arg('processes') ?? '1,3').split(',').map(Number);
  const modes = (arg('modes')?.split(',') as Mode[] | undefined) ?? allModes;
  const own = process.env.REDIS_URL ? undefined : await startOwnRedis();
  const redis = process.env.REDIS_URL ?? (own as { url: string }).url;
  const recorder = new GroupRecorder('fleet', {
    title: 'Fleet (BullMQ)',
    about:
      'Jobs per second of a trivial job through `queueSource` (the consumer side of a ' +
      '`queueSink` → `queueSource` fleet: manual fetching, our lock renewal, `complete()`; the ' +
      "queue is filled beforehand with BullMQ's `addBulk`, so only consuming is timed) against " +
      "BullMQ's own `Worker` with a processor function, at the same concurrency per process, " +
      'on the same Redis (local, AOF on, `noeviction`), with 1 and 3 worker processes. Each ' +
      'case pauses a fresh queue, fills it with N jobs, starts the workers and waits until ' +
      'they are ready, resumes the queue and times from when a tenth of the jobs is completed ' +
      '(start-up and ramp-up over, for every mode alike) until every job is. `queueSource` ' +
      'runs in its default mode (each job fetched for a `next()` already made: by a settle ' +
      'made while the pull waits, in the same Redis call, else by a fetch of its own) in ' +
      "three pipeline shapes: slots that pull their next job as a job's processing ends and " +
      "then settle it (BullMQ's slot order: its completion asks for the slot's next job), " +
      'loops that settle and only then pull (no settle can bring a job for its own loop: the ' +
      "worst case), and `work`'s pipeline (`settleJobs` over a trivial `adaptiveMap` at a " +
      'fixed limit; `settleJobs` settles up to `maxSettling` jobs at once and pulls jobs ahead ' +
      "within the stage's limit, so each settle finds a pull waiting); loops and `work` also with " +
      "`prefetch` = the concurrency (a settle fetches ahead, as BullMQ's worker does). Within " +
      'each repetition the modes run one after another, the first mode rotating, so load ' +
      'drifts hit them alike; a ratio is taken between runs of the same repetition (paired) ' +
      'and the tables give the median and range over repetitions. CPU per job (worker ' +
      'processes together, and redis-server) depends less on the load of the machine than ' +
      'jobs/s does. The target is a median ratio ≥ 0.9x.',
    command: `REDIS_URL=redis://127.0.0.1:<port> npm run bench -- fleet --n=${n} --concurrency=${concurrency} --reps=${reps}`,
  });
  console.log(machineLine());
  console.log(
    `fleet: ${n} trivial jobs, concurrency ${concurrency} per process, ${reps} repetitions; Redis ${own ? 'own' : 'REDIS_URL'}`,
  );
  const rows: string[][] = [];
  const cpuRows: string[][] = [];
  const memoryRows: string[][] = [];
  try {
    for (const processes of processCounts) {
      const runs = new Map<Mode, CaseRun[]>(modes.map((m) => [m, []]));
      for (let rep = 0; rep < reps; rep++) {
        // Rotate which mode goes first, so a load drift within a repetition hits each alike.
        for (let k = 0; k < modes.length; k++) {
          const mode = modes[(rep + k) % modes.length]!;
          const r = await runCase(redis, mode, processes, concurrency, n);
          runs.get(mode)!.push(r);
          console.log(
            `  ${processes} process(es) rep ${rep + 1} ${mode.padEnd(20)} ${r.jobsPerSecond.toFixed(0).padStart(6)} jobs/s, worker CPU ${r.workerCpuUsPerJob.toFixed(0)} µs/job, redis CPU ${r.redisCpuUsPerJob.toFixed(0)} µs/job  [${r.lines.join('; ')}]`,
          );
        }
      }
      const baseline = runs.get('bullmq-worker')!;
      for (const mode of modes) {
        const all = runs.get(mode)!;
        const speeds = all.map((r) => r.jobsPerSecond);
        const ratios = all.map((r, k) => r.jobsPerSecond / baseline[k]!.jobsPerSecond);
        const ratio = median(ratios);
        rows.push([
          String(processes),
          label(mode, concurrency),
          median(speeds).toFixed(0),
          range(speeds, 0),
          mode === 'bullmq-worker' ? '1.00x' : `${ratio.toFixed(2)}x`,
          mode === 'bullmq-worker' ? '—' : `${range(ratios, 2)}x`,
          mode === 'bullmq-worker'
            ? 'baseline'
            : `>= ${TARGET}x ${ratio >= TARGET ? 'met' : 'MISSED'}`,
        ]);
        const workerCpu = all.map((r) => r.workerCpuUsPerJob);
        const redisCpu = all.map((r) => r.redisCpuUsPerJob);
        const cpuRatios = all.map(
          (r, k) =>
            (r.workerCpuUsPerJob + r.redisCpuUsPerJob) /
            (baseline[k]!.workerCpuUsPerJob + baseline[k]!.redisCpuUsPerJob),
        );
        cpuRows.push([
          String(processes),
          label(mode, concurrency),
          `${median(workerCpu).toFixed(0)} (${range(workerCpu, 0)})`,
          `${median(redisCpu).toFixed(0)} (${range(redisCpu, 0)})`,
          mode === 'bullmq-worker'
            ? '1.00x'
            : `${median(cpuRatios).toFixed(2)}x (${range(cpuRatios, 2)})`,
        ]);
        const heap = all.flatMap((r) => r.drainedHeapMB);
        const growth = all.flatMap((r) => r.heapGrowthMB);
        const rss = all.flatMap((r) => r.drainedRssMB);
        memoryRows.push([
          String(processes),
          label(mode, concurrency),
          `${median(heap).toFixed(1)} MB`,
          `${median(growth).toFixed(1)} MB (${range(growth, 1)})`,
          `${median(rss).toFixed(0)} MB`,
          `${range(rss, 0)} MB`,
        ]);
      }
      recorder.series(
        `jobsPerSecond-${processes}`,
        Object.fromEntries(
          [...runs].map(([m, rs]) => [m, rs.map(({ lines: _, ...rest }) => rest)]),
        ),
      );
    }
  } finally {
    await own?.stop();
  }
  recorder.table({
    title: `Jobs per second, ${n.toLocaleString('en')} trivial jobs, concurrency ${concurrency} per process, ${reps} repetitions`,
    text: 'Throughput of each mode over all worker processes (median and range over repetitions); the ratio is to the BullMQ Worker run of the same repetition at the same process count (median and range of those paired ratios).',
    columns: [
      'processes',
      'consumer',
      'jobs/s (median)',
      'jobs/s range',
      'x BullMQ Worker (median)',
      'ratio range',
      'target',
    ],
    rows,
  });
  recorder.table({
    title: 'CPU per job',
    text: 'CPU time per job of the worker processes together (from ready until drained, start-up included) and of redis-server (over the timed part, including the coordinator polling the completed count every 5 ms, alike for every mode), in µs: median (range) over repetitions. The last column is the total against the BullMQ Worker run of the same repetition.',
    columns: ['processes', 'consumer', 'workers µs/job', 'Redis µs/job', 'total x BullMQ Worker'],
    rows: cpuRows,
  });
  recorder.table({
    title: 'Memory per worker process',
    text:
      `Each worker process after it drained its share of the queue (${n.toLocaleString('en')} ` +
      'jobs over all processes) and a forced gc, while still running: what it keeps per job ' +
      'would show as heap growth from ready to drained. Median and range over processes and ' +
      'repetitions. Worker processes run under `tsx`, whose loader is part of every RSS ' +
      'figure alike.',
    columns: [
      'processes',
      'consumer',
      'heap used (median)',
      'heap growth ready→drained',
      'RSS (median)',
      'RSS min–max',
    ],
    rows: memoryRows,
  });
  recorder.save();
}

if (arg('role') === 'worker') await workerRole();
else await main();
