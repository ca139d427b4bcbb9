/**
 * `backpressure-kit solve` end to end: throughput and peak memory of the command against the
 * same pipeline written as a library script, and memory flatness of a large input with --shed.
 *
 * 1. CLI vs library: `solve` on `--n` tasks (default 100,000) against the embedded mock with
 *    zero solve latency (`--mock-latency 0`, 50 threads, a fixed limit of 50 (`--min 50 --max
 *    50`: on a loaded machine the adaptive limit would follow scheduling noise), no rate
 *    limit), and bench/cli-library-run.ts doing the same (same mock in-process, same solver
 *    timings, same buffer, the same record fields, one JSON line per record). Both are bundled
 *    with esbuild (code split, as the published build is) and run as separate processes on
 *    plain `node`, interleaved (the first case rotates), `--reps` times (default 5). A third
 *    case runs the library script with the V8 settings the command applies to itself
 *    (`useLeanMemory` of src/cli/lean-memory.ts, run by a preload: the command runs it before
 *    loading its code), so what the flags cost and what the command's own code costs are told
 *    apart; a fourth runs it with the same settings but V8's minor GC task left on, to show what
 *    turning that task off saves. Reported: records/s, wall time (spawn to exit), CPU time
 *    (user + system, less sensitive to the other processes of a shared machine), peak RSS
 *    (`process.resourceUsage().maxRSS` at exit), the collections V8 made (young and full, and
 *    their pauses, from Node's `gc` performance entries), and the ratios to the library script
 *    taken within each repetition (median and range).
 * 2. Flat memory: `solve --shed 100` on inputs of `--big` / 100, `--big` / 10 and `--big` lines
 *    (default 1,000,000): peak RSS of each, with the command's V8 settings and without them
 *    (`BPK_LEAN_MEMORY=off`), and on the largest input each of the three settings alone and all
 *    but each one (set by bench/lean-memory-preload.ts), to show what each saves. The mock runs
 *    in its own process (`backpressure-kit mock`, reached with `--base-url` and a key), so the
 *    figure is the CLI's own memory, as against the real service. With shed the reader never
 *    waits, so most tasks are dropped (and recorded as `dropped`): the point is that the input
 *    is streamed and every id kept for duplicates and resume costs bytes, not objects.
 * 3. The id set: bytes per id of the compact TaskIdSet the CLI keeps against a plain Set, for
 *    `--big` / 10 and `--big` ids, measured in this process after a full GC.
 *
 * Records its tables in `bench/results/cli.json` for `bench/report.ts` (section "CLI solve").
 *
 * Run: `npm run bench -- cli [--n=100000] [--reps=5] [--big=1000000]`; `--quick` is a smoke run
 * (10,000 tasks, 1 rep, up to 100,000 lines).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { YOUNG_GENERATION_MIB } from '../src/cli/lean-memory.js';
import type { TaskId } from '../src/cli/solve-record.js';
import { TaskIdSet } from '../src/cli/task-id-set.js';
import { bundleForNode } from '../test/cli/cli-process.js';
import { caseResult, machineLine, median, numberFlag } from './harness.js';
import { GroupRecorder, sized } from './results.js';

const N = numberFlag('n', sized(100_000, 10_000));
const REPS = numberFlag('reps', sized(5, 1));
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
  /** User + system CPU time of the process. */
  cpuMs: number;
  maxRssMb: number;
  records: number;
  /** Young-generation collections (scavenges), full collections, and their pauses summed. */
  gc: { young: number; full: number; pauseMs: number };
}

/**
 * Runs `node script …args` with a preload that reports peak RSS, CPU time and the collections
 * V8 made at exit; with `lean`, another that first sets the CLI's lean V8 flags (as its main
 * module does before loading the command).
 */
async function run(
  script: string,
  args: string[],
  outFile: string,
  options: { apiKey?: string; lean?: boolean; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const usageFile = join(work, 'usage.json');
  rmSync(usageFile, { force: true });
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...(options.lean ? ['--import', join(work, 'lean-memory.mjs')] : []),
      '--import',
      join(work, 'report-usage.mjs'),
      script,
      ...args,
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        ...options.env,
        BPK_USAGE_FILE: usageFile,
        CAPTCHAAI_API_KEY: options.apiKey ?? '',
      },
    },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  const records = readFileSync(outFile, 'utf8').split('\n').length - 1;
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as {
    maxRSS: number;
    cpuUs: number;
    gc: RunResult['gc'];
  };
  return {
    ms,
    cpuMs: usage.cpuUs / 1000,
    maxRssMb: usage.maxRSS / 1024,
    records,
    gc: usage.gc,
  };
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
    '`solveStage`, one JSON line per record with the same fields), both on N tasks against the zero-latency mock ' +
    '(50 threads, a fixed limit of 50, no rate limit), both bundled with esbuild as the ' +
    'published build is and run as separate processes, interleaved; peak RSS is ' +
    '`process.resourceUsage().maxRSS` at exit. The library script runs on plain `node`; the CLI ' +
    'sets its own lean V8 flags, so the RSS column compares what each ships with; a third case ' +
    'runs the library script with those same flags (set by a preload, as the command sets them ' +
    'before loading its code), to tell what the flags ' +
    "cost from what the command's own code costs, and a fourth with the same flags but V8's " +
    'minor GC task left on (the command turns it off), to show what that saves. Wall time and ' +
    'CPU time (user + system: the machine may be shared) are both reported, as ratios taken ' +
    "within each repetition, and the collections V8 made (from Node's `gc` performance " +
    'entries: young-generation scavenges, full collections, and their pauses summed). Target: ' +
    "the CLI's overhead in time at most 10%. (2) `solve --shed 100` on growing inputs with the mock " +
    'in its own process (`backpressure-kit mock`, reached with `--base-url`), so the figure is ' +
    "the CLI's own memory; with shed the reader never waits, so most tasks are dropped (and " +
    'recorded as `dropped`): the point is that the input is streamed. Target: peak RSS at most ' +
    '100 MB whatever the input size. (3) Bytes per id of the compact id set the CLI keeps (for ' +
    'duplicates and resume) against a plain `Set<string>`, measured in-process after a full gc.',
  command: `npm run bench -- cli --n=${N} --reps=${REPS} --big=${BIG}`,
});

mkdirSync(work, { recursive: true });
try {
  // Peak RSS and CPU time at exit, and the collections V8 made (from Node's gc entries).
  writeFileSync(
    join(work, 'report-usage.mjs'),
    [
      "import { writeFileSync } from 'node:fs';",
      "import { constants, PerformanceObserver } from 'node:perf_hooks';",
      'const gc = { young: 0, full: 0, pauseMs: 0 };',
      'new PerformanceObserver((list) => {',
      '  for (const entry of list.getEntries()) {',
      '    if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.young++;',
      '    else if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.full++;',
      '    gc.pauseMs += entry.duration;',
      '  }',
      "}).observe({ entryTypes: ['gc'] });",
      "process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.BPK_USAGE_FILE, JSON.stringify({ maxRSS: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime, gc })); });",
      '',
    ].join('\n'),
  );
  await bundle('bench/lean-memory-preload.ts', 'lean-memory.mjs');
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
  const LIBRARY = 'library script (same pipeline)';
  const LEAN_LIBRARY = "library script + the CLI's lean V8 flags";
  const LEAN_WITH_TASK = "library script + the CLI's lean V8 flags, V8's minor GC task left on";
  const CLI = 'backpressure-kit solve';
  const cases = [
    { name: LIBRARY, start: () => run(library, [tasks, out], out) },
    { name: LEAN_LIBRARY, start: () => run(library, [tasks, out], out, { lean: true }) },
    {
      name: LEAN_WITH_TASK,
      start: () =>
        run(library, [tasks, out], out, {
          lean: true,
          env: { BPK_BENCH_LEAN_PART: 'with-minor-gc-task' },
        }),
    },
    { name: CLI, start: () => run(cli, cliArgs(tasks), out) },
  ];
  const results = new Map<string, RunResult[]>(cases.map((c) => [c.name, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + rep) % cases.length]!;
      const r = await c.start();
      if (r.records !== N) throw new Error(`${c.name}: ${r.records} records, expected ${N}`);
      results.get(c.name)!.push(r);
    }
    console.log(`  rep ${rep + 1}/${REPS} done, load ${loadavg()[0]!.toFixed(1)}`);
  }
  const runsOf = (name: string): RunResult[] => results.get(name)!;
  /** Median and range over the repetitions of `name`'s `measure` over `baseline`'s, rep by rep. */
  const ratio = (name: string, baseline: string, measure: (r: RunResult) => number): string => {
    const base = runsOf(baseline);
    const ratios = runsOf(name)
      .map((r, k) => measure(r) / measure(base[k]!))
      .sort((a, b) => a - b);
    return `${median(ratios).toFixed(2)}x (${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)})`;
  };
  const timeRatio = (name: string): number =>
    median(runsOf(name).map((r, k) => r.ms / runsOf(LIBRARY)[k]!.ms));
  recorder.table({
    title: `CLI against a library script: ${N.toLocaleString('en')} tasks, zero-latency mock, ${REPS} reps`,
    text:
      'Medians over the repetitions. The ratios are taken within each repetition (the cases ' +
      'ran one after the other): median, and min–max in brackets. The target is on the median ' +
      'ratio of wall time.',
    columns: [
      'case',
      'records/s',
      'time',
      'CPU time',
      'peak RSS',
      'time x library',
      'CPU time x library',
      'young / full collections',
      'GC pauses',
      'target',
    ],
    rows: cases.map(({ name }) => {
      const rs = runsOf(name);
      const ms = median(rs.map((r) => r.ms));
      return [
        name,
        Math.round((N * 1000) / ms).toLocaleString('en'),
        `${(ms / 1000).toFixed(1)} s`,
        `${(median(rs.map((r) => r.cpuMs)) / 1000).toFixed(1)} s`,
        `${median(rs.map((r) => r.maxRssMb)).toFixed(0)} MB`,
        name === LIBRARY ? 'baseline' : ratio(name, LIBRARY, (r) => r.ms),
        name === LIBRARY ? 'baseline' : ratio(name, LIBRARY, (r) => r.cpuMs),
        `${median(rs.map((r) => r.gc.young))} / ${median(rs.map((r) => r.gc.full))}`,
        `${(median(rs.map((r) => r.gc.pauseMs)) / 1000).toFixed(2)} s`,
        name === CLI
          ? `<= ${CLI_TARGET.toFixed(2)}x ${timeRatio(CLI) <= CLI_TARGET ? 'met' : 'MISSED'}`
          : '',
      ];
    }),
  });
  recorder.table({
    title: "Where the CLI's overhead comes from",
    text:
      'The command against the library script running with the same lean V8 flags: what is ' +
      "left is the command's own code (the id set, rejects, stats, the record writer, the " +
      'live view off). Ratios within each repetition: median, and min–max in brackets.',
    columns: ['comparison', 'time', 'CPU time'],
    rows: [
      [
        `${LEAN_LIBRARY} x ${LIBRARY}`,
        ratio(LEAN_LIBRARY, LIBRARY, (r) => r.ms),
        ratio(LEAN_LIBRARY, LIBRARY, (r) => r.cpuMs),
      ],
      [
        `${CLI} x ${LEAN_LIBRARY}`,
        ratio(CLI, LEAN_LIBRARY, (r) => r.ms),
        ratio(CLI, LEAN_LIBRARY, (r) => r.cpuMs),
      ],
      [
        `${LEAN_LIBRARY} x ${LEAN_WITH_TASK}`,
        ratio(LEAN_LIBRARY, LEAN_WITH_TASK, (r) => r.ms),
        ratio(LEAN_LIBRARY, LEAN_WITH_TASK, (r) => r.cpuMs),
      ],
    ],
  });
  for (const [what, measure] of [
    ['wall time', (r: RunResult) => r.ms],
    ['CPU time', (r: RunResult) => r.cpuMs],
  ] as const) {
    recorder.suite(
      `CLI against a library script, per repetition (${what}): ${N.toLocaleString('en')} tasks, ${REPS} reps`,
      cases.map((c) => caseResult(c.name, runsOf(c.name).map(measure))),
      {
        items: N,
        baseline: LIBRARY,
        ...(what === 'wall time' ? { targets: { [CLI]: CLI_TARGET } } : {}),
        text:
          what === 'wall time'
            ? 'The same runs, each process timed from spawn to exit; the ratio is taken within each repetition.'
            : 'The same runs, user + system CPU time of each process; the ratio is taken within each repetition.',
      },
    );
  }
  recorder.series(
    'cliVsLibrary',
    Object.fromEntries(cases.map((c) => [c.name, results.get(c.name)])),
  );

  const shedRows: string[][] = [];
  const partRows: string[][] = [];
  const mock = await startMockProcess(cli);
  try {
    for (const lines of [Math.round(BIG / 100), Math.round(BIG / 10), BIG]) {
      const big = join(work, `big-${lines}.jsonl`);
      await writeTasks(big, lines);
      const args = [...pipelineArgs(big), '--base-url', mock.url, '--shed', '100'];
      const r = await run(cli, args, out, { apiKey: MOCK_KEY });
      if (r.records !== lines) throw new Error(`--shed: ${r.records} records, expected ${lines}`);
      // The same run without the command's V8 settings (src/cli/lean-memory.ts), for comparison.
      const plain = await run(cli, args, out, {
        apiKey: MOCK_KEY,
        env: { BPK_LEAN_MEMORY: 'off' },
      });
      shedRows.push([
        lines.toLocaleString('en'),
        `${(r.ms / 1000).toFixed(1)} s`,
        `${r.maxRssMb.toFixed(0)} MB`,
        r.records.toLocaleString('en'),
        `<= ${SHED_RSS_TARGET_MB} MB ${r.maxRssMb <= SHED_RSS_TARGET_MB ? 'met' : 'MISSED'}`,
        `${(plain.ms / 1000).toFixed(1)} s, ${plain.maxRssMb.toFixed(0)} MB`,
      ]);
      if (lines === BIG) {
        // Each setting alone, then all but each one (what it saves on top of the other two);
        // set by bench/lean-memory-preload.ts, the command's own ones off.
        for (const [part, setting] of [
          ['liftoff', '--liftoff-only'],
          ['heap', '--heap-growing-percent=10'],
          ['young', `young generation held at ${YOUNG_GENERATION_MIB} MiB, collected when full`],
          ['no-liftoff', 'all but --liftoff-only'],
          ['no-heap', 'all but --heap-growing-percent=10'],
          ['no-young', `all but the ${YOUNG_GENERATION_MIB} MiB young generation`],
        ] as const) {
          const partial = await run(cli, args, out, {
            apiKey: MOCK_KEY,
            lean: true,
            env: { BPK_LEAN_MEMORY: 'off', BPK_BENCH_LEAN_PART: part },
          });
          partRows.push([
            setting,
            `${(partial.ms / 1000).toFixed(1)} s`,
            `${partial.maxRssMb.toFixed(0)} MB`,
          ]);
        }
        partRows.unshift([
          'none (BPK_LEAN_MEMORY=off)',
          `${(plain.ms / 1000).toFixed(1)} s`,
          `${plain.maxRssMb.toFixed(0)} MB`,
        ]);
        partRows.push([
          'all three (as the command ships)',
          `${(r.ms / 1000).toFixed(1)} s`,
          `${r.maxRssMb.toFixed(0)} MB`,
        ]);
      }
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
  recorder.table({
    title: `solve --shed 100 on ${BIG.toLocaleString('en')} lines: each V8 setting alone, and each left out`,
    text:
      "Peak RSS of the largest run above with none of the command's V8 settings, each one " +
      'alone, all but each one (set by a preload, the command started with ' +
      '`BPK_LEAN_MEMORY=off`), and all three. One run each; what they cost in time is measured ' +
      'on the library script in the first table only as the three together.',
    columns: ['V8 settings', 'time', 'peak RSS'],
    rows: partRows,
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
