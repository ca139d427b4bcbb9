/**
 * `backpressure-kit solve` end to end: throughput and peak memory of the command against the
 * same pipeline written as a library script, and memory flatness of a large input with --shed.
 *
 * 1. CLI vs library: `solve` on `--n` tasks (default 100,000) against the embedded mock with
 *    zero solve latency (`--mock-latency 0`, 50 threads, a fixed limit of 50 (`--min 50 --max
 *    50`: on a loaded machine the adaptive limit would follow scheduling noise), no rate limit), and
 *    bench/cli-library-run.ts doing the same (same mock in-process, same solver timings, same
 *    buffer, one JSON line per record). Both are bundled with esbuild (code split, as the
 *    published build is) and run as separate processes, interleaved, `--reps` times (default 3);
 *    medians. Reported: records/s, peak RSS (`process.resourceUsage().maxRSS` at exit), and the
 *    CLI's overhead in time. The library script runs on plain `node`; the CLI sets its own lean
 *    V8 flags (src/cli/lean-memory.ts), so the RSS column compares what each ships with.
 * 2. Flat memory: `solve --shed 100` on inputs of `--big` / 100, `--big` / 10 and `--big` lines
 *    (default 1,000,000): peak RSS of each, with the command's V8 settings and without them
 *    (`BPK_LEAN_MEMORY=off`). The mock runs in its own process (`backpressure-kit
 *    mock`, reached with `--base-url` and a key), so the figure is the CLI's own memory, as
 *    against the real service. With shed the reader never waits, so most tasks are dropped
 *    (and recorded as `dropped`): the point is that the input is streamed and every id kept
 *    for duplicates and resume costs bytes, not objects.
 * 3. The id set: bytes per id of the compact TaskIdSet the CLI keeps against a plain Set, for
 *    `--big` / 10 and `--big` ids, measured in this process after a full GC.
 *
 * Records its tables in `bench/results/cli.json` for `bench/report.ts` (section "CLI solve").
 *
 * Run: `npm run bench -- cli [--n=100000] [--reps=3] [--big=1000000]`; `--quick` is a smoke run
 * (10,000 tasks, 1 rep, up to 100,000 lines).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskId } from '../src/cli/solve-record.js';
import { TaskIdSet } from '../src/cli/task-id-set.js';
import { bundleForNode } from '../test/cli/cli-process.js';
import { caseResult, machineLine, median, numberFlag } from './harness.js';
import { GroupRecorder, sized } from './results.js';

const N = numberFlag('n', sized(100_000, 10_000));
const REPS = numberFlag('reps', sized(3, 1));
const BIG = numberFlag('big', sized(1_000_000, 100_000));
/** The CLI's overhead in time against the library script: at most 10%. */
const CLI_TARGET = 1.1;
/** Peak RSS of `solve --shed` whatever the input size. */
const SHED_RSS_TARGET_MB = 100;
const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'node_modules', '.cache', `bpk-bench-cli-${process.pid}`);

async function bundle(entry: string, name: string): Promise<string> {
  const outfile = join(work, name);
  await bundleForNode(join(root, entry), outfile);
  return outfile;
}

async function writeTasks(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 1; i <= count; i++) {
    const line = `{"id":"t${i}","type":"turnstile","sitekey":"0x4AAAAAAAexample","pageurl":"https://example.com/p/${i}","priority":${i % 3}}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface RunResult {
  ms: number;
  maxRssMb: number;
  records: number;
}

/** Runs `node script …args` with a preload that reports peak RSS at exit. */
async function run(
  script: string,
  args: string[],
  outFile: string,
  apiKey = '',
  env: Record<string, string> = {},
): Promise<RunResult> {
  const rssFile = join(work, 'rss.txt');
  rmSync(rssFile, { force: true });
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', join(work, 'report-rss.mjs'), script, ...args],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...env, BPK_RSS_FILE: rssFile, CAPTCHAAI_API_KEY: apiKey },
    },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  const records = readFileSync(outFile, 'utf8').split('\n').length - 1;
  return { ms, maxRssMb: Number(readFileSync(rssFile, 'utf8')) / 1024, records };
}

const MOCK_KEY = '0123456789abcdef0123456789abcdef';

/** `backpressure-kit mock` in its own process (zero latency, 50 threads, a balance that never runs out). */
async function startMockProcess(cli: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      cli,
      'mock',
      '--port',
      '0',
      '--keys',
      `${MOCK_KEY}:50:1000000000`,
      '--latency',
      '0',
      '--time-scale',
      '0.01',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let seen = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mock exited with ${code}`)));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      seen += text;
      const found = /listening on (http:\/\/\S+)/.exec(seen);
      if (found) resolve(found[1]!);
    });
  });
  return {
    url,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
    },
  };
}

const gc = (globalThis as { gc?: () => void }).gc;
const makeTaskIdSet = (): TaskIdSet => new TaskIdSet();

/**
 * Bytes per id a set of `count` ids like `t123` holds, after a full GC: heap and array buffers,
 * and the TaskIdSet's own count of its buffers (its table is in resizable ArrayBuffers, which
 * `process.memoryUsage().arrayBuffers` does not count).
 */
function idBytes(
  count: number,
  make: () => { add(id: TaskId): unknown; has(id: TaskId): boolean },
): number {
  if (!gc) throw new Error('run with node --expose-gc (npm run bench does)');
  gc();
  const compact = make === makeTaskIdSet;
  // The TaskIdSet counts its own buffers (memoryBytes), so only its heap is taken from V8.
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + (compact ? 0 : m.arrayBuffers);
  };
  const before = used();
  const ids = make();
  for (let i = 1; i <= count; i++) ids.add(`t${i}`);
  gc();
  const bytes = used() - before + (ids instanceof TaskIdSet ? ids.memoryBytes : 0);
  if (!ids.has(`t${count}`)) throw new Error('lost an id');
  if (ids instanceof TaskIdSet) ids.close();
  return bytes / count;
}

const recorder = new GroupRecorder('cli', {
  title: 'CLI solve',
  about:
    '`backpressure-kit solve` end to end. (1) The command against the same pipeline written as a ' +
    'library script (`bench/cli-library-run.ts`: stream the file, validate, `boundedBuffer`, ' +
    '`solveStage`, one JSON line per record), both on N tasks against the zero-latency mock ' +
    '(50 threads, a fixed limit of 50, no rate limit), both bundled with esbuild as the ' +
    'published build is and run as separate processes, interleaved; peak RSS is ' +
    '`process.resourceUsage().maxRSS` at exit. The library script runs on plain `node`; the CLI ' +
    'sets its own lean V8 flags, so the RSS column compares what each ships with. Target: the ' +
    "CLI's overhead in time at most 10%. (2) `solve --shed 100` on growing inputs with the mock " +
    'in its own process (`backpressure-kit mock`, reached with `--base-url`), so the figure is ' +
    "the CLI's own memory; with shed the reader never waits, so most tasks are dropped (and " +
    'recorded as `dropped`): the point is that the input is streamed. Target: peak RSS at most ' +
    '100 MB whatever the input size. (3) Bytes per id of the compact id set the CLI keeps (for ' +
    'duplicates and resume) against a plain `Set<string>`, measured in-process after a full gc.',
  command: `npm run bench -- cli --n=${N} --reps=${REPS} --big=${BIG}`,
});

mkdirSync(work, { recursive: true });
try {
  writeFileSync(
    join(work, 'report-rss.mjs'),
    "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.BPK_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
  const cli = await bundle('src/cli/main.ts', 'main.mjs');
  const library = await bundle('bench/cli-library-run.ts', 'library.mjs');
  console.log(
    `cli, N = ${N.toLocaleString('en')}, ${REPS} reps, up to ${BIG.toLocaleString('en')} lines; ${machineLine()}`,
  );

  const tasks = join(work, 'tasks.jsonl');
  await writeTasks(tasks, N);
  const out = join(work, 'out.jsonl');
  const pipelineArgs = (input: string) => [
    'solve',
    input,
    '--out',
    out,
    '--restart',
    '--max',
    '50',
    '--min',
    '50',
    '--time-scale',
    '0.01',
    '--first-poll-delay',
    '0',
    '--poll-interval',
    '1',
    '--rate',
    'off',
    '--progress',
    'none',
  ];
  const cliArgs = (input: string) => [
    ...pipelineArgs(input),
    '--mock-threads',
    '50',
    '--mock-latency',
    '0',
  ];
  const cases = [
    { name: 'library script (same pipeline)', start: () => run(library, [tasks, out], out) },
    { name: 'backpressure-kit solve', start: () => run(cli, cliArgs(tasks), out) },
  ];
  const results = new Map<string, RunResult[]>(cases.map((c) => [c.name, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + rep) % cases.length]!;
      const r = await c.start();
      if (r.records !== N) throw new Error(`${c.name}: ${r.records} records, expected ${N}`);
      results.get(c.name)!.push(r);
    }
    console.log(`  rep ${rep + 1}/${REPS} done`);
  }
  const summary = cases.map(({ name }) => {
    const rs = results.get(name)!;
    const ms = median(rs.map((r) => r.ms));
    const rss = median(rs.map((r) => r.maxRssMb));
    return { name, ms, rss };
  });
  const [libraryRun, cliRun] = summary as [(typeof summary)[0], (typeof summary)[0]];
  const overhead = cliRun.ms / libraryRun.ms - 1;
  recorder.table({
    title: `CLI against a library script: ${N.toLocaleString('en')} tasks, zero-latency mock, ${REPS} reps`,
    text: 'Medians over the repetitions; the overhead is the ratio of the median times.',
    columns: ['case', 'records/s', 'time', 'peak RSS', 'overhead in time', 'target'],
    rows: summary.map((c) => [
      c.name,
      Math.round((N * 1000) / c.ms).toLocaleString('en'),
      `${(c.ms / 1000).toFixed(1)} s`,
      `${c.rss.toFixed(0)} MB`,
      c === cliRun ? `${(overhead * 100).toFixed(1)}%` : 'baseline',
      c === cliRun
        ? `<= ${((CLI_TARGET - 1) * 100).toFixed(0)}% ${overhead + 1 <= CLI_TARGET ? 'met' : 'MISSED'}`
        : '',
    ]),
  });
  recorder.suite(
    `CLI against a library script, per repetition: ${N.toLocaleString('en')} tasks, ${REPS} reps`,
    cases.map((c) =>
      caseResult(
        c.name,
        results.get(c.name)!.map((r) => r.ms),
      ),
    ),
    {
      items: N,
      baseline: cases[0]!.name,
      targets: { [cliRun.name]: CLI_TARGET },
      text: 'The same runs, each process timed from spawn to exit; the ratio is taken within each repetition.',
    },
  );
  recorder.series(
    'cliVsLibrary',
    Object.fromEntries(cases.map((c) => [c.name, results.get(c.name)])),
  );

  const shedRows: string[][] = [];
  const mock = await startMockProcess(cli);
  try {
    for (const lines of [Math.round(BIG / 100), Math.round(BIG / 10), BIG]) {
      const big = join(work, `big-${lines}.jsonl`);
      await writeTasks(big, lines);
      const args = [...pipelineArgs(big), '--base-url', mock.url, '--shed', '100'];
      const r = await run(cli, args, out, MOCK_KEY);
      if (r.records !== lines) throw new Error(`--shed: ${r.records} records, expected ${lines}`);
      // The same run without the command's V8 settings (src/cli/lean-memory.ts), for comparison.
      const plain = await run(cli, args, out, MOCK_KEY, { BPK_LEAN_MEMORY: 'off' });
      shedRows.push([
        lines.toLocaleString('en'),
        `${(r.ms / 1000).toFixed(1)} s`,
        `${r.maxRssMb.toFixed(0)} MB`,
        r.records.toLocaleString('en'),
        `<= ${SHED_RSS_TARGET_MB} MB ${r.maxRssMb <= SHED_RSS_TARGET_MB ? 'met' : 'MISSED'}`,
        `${(plain.ms / 1000).toFixed(1)} s, ${plain.maxRssMb.toFixed(0)} MB`,
      ]);
      rmSync(big, { force: true });
    }
  } finally {
    await mock.stop();
  }
  recorder.table({
    title: 'solve --shed 100: peak RSS against input size',
    text: "One run per size, the mock in its own process; every line gets a record (solved or dropped). The last column is the same run with the command's V8 settings off.",
    columns: [
      'lines',
      'time',
      'peak RSS',
      'records',
      'target',
      'without the V8 settings (BPK_LEAN_MEMORY=off)',
    ],
    rows: shedRows,
  });
  const idRows: string[][] = [];
  for (const count of [Math.round(BIG / 10), BIG]) {
    const compact = idBytes(count, makeTaskIdSet);
    const plain = idBytes(count, () => new Set<TaskId>());
    idRows.push([count.toLocaleString('en'), `${compact.toFixed(1)} B`, `${plain.toFixed(1)} B`]);
  }
  recorder.table({
    title: 'The ids kept for a run (duplicates and resume): bytes per id',
    text:
      'Bytes after a full gc, divided by the number of ids (`t1` … `tN`): for Set<string> the ' +
      'heap and array buffers; for TaskIdSet its heap and the buffers it holds (its table is in ' +
      'resizable ArrayBuffers, which `process.memoryUsage().arrayBuffers` does not count). Past ' +
      '1 MiB, the bytes of the ids themselves go to a temporary file.',
    columns: ['ids', 'TaskIdSet', 'Set<string>'],
    rows: idRows,
  });
  recorder.save();
} finally {
  rmSync(work, { recursive: true, force: true });
}
