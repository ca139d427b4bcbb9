/**
 * Solver client throughput and memory, against the mock service on loopback.
 *
 * Three clients solve the same reCAPTCHA v2 tasks with the same driver (50 workers pulling
 * from one counter, so 50 tasks in flight), against one mock with zero solve latency that runs
 * in a child process (so the client's process measures only the client):
 *
 * - ours: `createSolver(...).solve()` (POST bodies, classification, deadline, timeouts);
 * - official: `@2captcha/captcha-solver` `Solver#recaptcha()` pointed at the mock
 *   (`pollingFrequency` 0, its `in`/`res` endpoints overridden on the instance);
 * - bare: an undici submit-and-poll loop with no checks at all (the floor).
 *
 * Cases run interleaved (the first case rotates each repetition), medians over repetitions;
 * ratios are against cases measured in the same run. Then memory per in-flight task: each
 * client holds `--inflight` tasks that the mock will not solve, and the heap growth after a
 * full GC is divided by that count.
 *
 * Run: `node --expose-gc --import tsx bench/solver.ts [--tasks=3000] [--reps=5] [--inflight=1000] [--quick]`
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Solver as OfficialSolver } from '@2captcha/captcha-solver';
import { Pool } from 'undici';
import { createSolver, type Solver } from '../src/solver/index.js';
import { machineLine, numberFlag, runSuite } from './harness.js';
import { GroupRecorder, sized } from './results.js';

const KEY = '0123456789abcdef0123456789abcdef';
const TASKS = numberFlag('tasks', sized(3_000, 100));
const REPS = numberFlag('reps', sized(5, 2));
const INFLIGHT = numberFlag('inflight', sized(1_000, 50));
const recorder = new GroupRecorder('solver', {
  title: 'Solver client: throughput and memory',
  about:
    'Three clients solve the same reCAPTCHA v2 tasks with the same driver (50 workers pulling ' +
    'from one counter, so 50 tasks in flight) against one mock with zero solve latency in a ' +
    'child process, so the client process measures only the client: ours ' +
    '(`createSolver(...).solve()`), the official `@2captcha/captcha-solver` pointed at the mock ' +
    '(`pollingFrequency` 0), and a bare undici submit-and-poll loop with no checks at all (the ' +
    'floor). Cases run interleaved. Then memory per in-flight task: each client holds tasks the ' +
    'mock will not solve, and the heap growth after a full GC is divided by their count.',
  command: `node --expose-gc --import tsx bench/solver.ts --tasks=${TASKS} --reps=${REPS} --inflight=${INFLIGHT}`,
});
const CONCURRENCY = 50;
const task = {
  type: 'recaptcha-v2' as const,
  sitekey: '6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-',
  pageurl: 'https://example.com/login',
};

const gc = (globalThis as { gc?: () => void }).gc;
const here = dirname(fileURLToPath(import.meta.url));

/** Starts the mock in a child process and resolves with its URL. */
function startMockProcess(): Promise<{ url: string; child: ChildProcess }> {
  const mockEntry = join(here, '../src/mock/index.ts');
  const script = `
    const { startMockSolver } = await import(${JSON.stringify(mockEntry)});
    const mock = await startMockSolver({
      keys: { ${JSON.stringify(KEY)}: { threads: 1_000_000, balance: 1e12 } },
      latency: 0, logSize: 0, resultTtl: 60_000, badKeyBan: false,
    });
    process.stdout.write(mock.url + '\\n');
    process.stdin.on('end', () => mock.close().then(() => process.exit(0)));
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (chunk: Buffer) =>
      resolve({ url: chunk.toString('utf8').trim(), child }),
    );
  });
}

async function control(url: string, path: string, body?: unknown): Promise<void> {
  const send = () =>
    fetch(`${url}/__mock/${path}`, {
      method: 'POST',
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  // A kept-alive socket the mock closed just as fetch reused it fails with "other side
  // closed" before the request reached the mock: send it once more on a new socket.
  const res = await send().catch((error: unknown) =>
    error instanceof TypeError ? send() : Promise.reject(error),
  );
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`mock ${path}: HTTP ${res.status}`);
}

/** 50 workers solving `n` tasks in all; returns how many got a token. */
async function drive(n: number, solveOne: () => Promise<string>): Promise<number> {
  let next = 0;
  let solved = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      const token = await solveOne();
      if (token.length > 0) solved++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return solved;
}

function ours(url: string, pollInterval = 0): Solver {
  return createSolver({
    apiKey: KEY,
    baseUrl: url,
    firstPollDelay: pollInterval,
    pollInterval,
    pollJitter: 0,
  });
}

function official(url: string, pollingFrequency = 0): OfficialSolver {
  const solver = new OfficialSolver(KEY, pollingFrequency);
  // The documented way to point the client elsewhere: its endpoints are getters on the class.
  Object.defineProperty(solver, 'in', { value: `${url}/in.php` });
  Object.defineProperty(solver, 'res', { value: `${url}/res.php` });
  return solver;
}

/** The floor: submit, then poll at once until answered; no timeouts, no classification. */
function bare(url: string, pollDelay = 0) {
  const pool = new Pool(url, { connections: 64 });
  const post = async (path: string, form: string): Promise<{ status: number; request: string }> => {
    const res = await pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    return (await res.body.json()) as { status: number; request: string };
  };
  const solve = async (): Promise<string> => {
    const submitted = await post(
      '/in.php',
      `key=${KEY}&json=1&method=userrecaptcha&googlekey=${task.sitekey}&pageurl=${encodeURIComponent(task.pageurl)}`,
    );
    for (;;) {
      if (pollDelay > 0) await new Promise((r) => setTimeout(r, pollDelay));
      const answer = await post('/res.php', `key=${KEY}&json=1&action=get&id=${submitted.request}`);
      if (answer.status === 1) return answer.request;
    }
  };
  return { solve, close: () => pool.close() };
}

async function throughput(url: string): Promise<Record<string, number>> {
  const ourSolver = ours(url);
  const theirs = official(url);
  const floor = bare(url);
  const results = await runSuite(
    [
      { name: 'bare undici loop', run: () => drive(TASKS, floor.solve) },
      {
        name: 'ours (createSolver)',
        run: () => drive(TASKS, async () => (await ourSolver.solve(task)).token),
      },
      {
        name: 'official @2captcha/captcha-solver',
        run: () =>
          drive(TASKS, async () => {
            const answer = await theirs.recaptcha({
              pageurl: task.pageurl,
              googlekey: task.sitekey,
            });
            return String(answer.data);
          }),
      },
    ],
    { reps: REPS, expected: TASKS, log: (line) => console.error(line) },
  );
  await ourSolver.close();
  await floor.close();
  recorder.suite(
    `Throughput: ${TASKS.toLocaleString('en')} solves per sample, concurrency ${CONCURRENCY}, mock latency 0, ${REPS} reps`,
    results,
    { items: TASKS, baseline: 'bare undici loop' },
  );
  const perSecond: Record<string, number> = {};
  for (const r of results) perSecond[r.name] = (TASKS * 1000) / r.medianMs;
  recorder.table({
    title: 'Throughput in solves per second',
    columns: ['client', 'solves/s (median)', 'p25-p75'],
    rows: results.map((r) => [
      r.name,
      perSecond[r.name]!.toFixed(0),
      `${((TASKS * 1000) / r.p75Ms).toFixed(0)}-${((TASKS * 1000) / r.p25Ms).toFixed(0)}`,
    ]),
  });
  return perSecond;
}

function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes per in-flight task while `count` tasks wait for answers that do not come. */
async function memoryPerTask(
  url: string,
  name: string,
  start: () => Promise<unknown>,
  stop: () => Promise<void>,
): Promise<number> {
  await control(url, 'reset');
  await control(url, 'config', { latency: 10 * 60_000 });
  const before = heap();
  const pending = Array.from({ length: INFLIGHT }, () => start().catch(() => undefined));
  // Let every task be submitted and settle into its polling wait.
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 25));
    const res = await fetch(`${url}/__mock/state`);
    const state = (await res.json()) as { tasks: { created: number } };
    if (state.tasks.created >= INFLIGHT) break;
  }
  await new Promise((r) => setTimeout(r, 200));
  const during = heap();
  // Tasks the official client started can only end by an error answer: forget them.
  await control(url, 'reset');
  await stop();
  await Promise.all(pending);
  await control(url, 'config', { latency: 0 });
  const bytes = (during - before) / INFLIGHT;
  console.log(`${name}: ${(bytes / 1024).toFixed(2)} KiB per task`);
  return bytes;
}

async function main(): Promise<void> {
  const { url, child } = await startMockProcess();
  try {
    console.log(`# Solver client benchmark\n\n${machineLine()}`);
    const rate = await throughput(url);
    const o = rate['ours (createSolver)']!;
    const t = rate['official @2captcha/captcha-solver']!;
    const b = rate['bare undici loop']!;
    const mine = ours(url, 1_000);
    const oursBytes = await memoryPerTask(
      url,
      'ours (createSolver)',
      // no per-call signal: like the official client, stopped from outside (close())
      () => mine.solve(task),
      () => mine.close(),
    );
    const theirs = official(url, 1_000);
    const theirBytes = await memoryPerTask(
      url,
      'official @2captcha/captcha-solver',
      () => theirs.recaptcha({ pageurl: task.pageurl, googlekey: task.sitekey }),
      async () => {},
    );
    const floor = bare(url, 1_000);
    const bareBytes = await memoryPerTask(
      url,
      'bare undici loop',
      () => floor.solve(),
      () => floor.close(),
    );
    recorder.table({
      title: `Memory per in-flight task (${INFLIGHT.toLocaleString('en')} tasks waiting, 1 s poll interval)`,
      columns: ['client', 'KiB per task'],
      rows: [
        ['ours (createSolver)', (oursBytes / 1024).toFixed(2)],
        ['official @2captcha/captcha-solver', (theirBytes / 1024).toFixed(2)],
        ['bare undici loop', (bareBytes / 1024).toFixed(2)],
      ],
    });
    recorder.table({
      title: 'Targets',
      columns: ['target', 'measured', 'verdict'],
      rows: [
        [
          'throughput: ours / official >= 2x',
          `${(o / t).toFixed(2)}x`,
          o / t >= 2 ? 'met' : 'MISSED',
        ],
        [
          'throughput: bare / ours <= 1.25x',
          `${(b / o).toFixed(2)}x`,
          b / o <= 1.25 ? 'met' : 'MISSED',
        ],
        [
          'memory per task: ours / official < 1',
          `${(oursBytes / theirBytes).toFixed(2)}x`,
          oursBytes < theirBytes ? 'met' : 'MISSED',
        ],
      ],
    });
    recorder.save();
  } finally {
    child.stdin!.end();
    await new Promise((r) => child.once('exit', r));
  }
}

await main();
