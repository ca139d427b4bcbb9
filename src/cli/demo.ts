/**
 * `backpressure-kit demo` (what `npm start` runs): the seed scenario, live. A scraper produces
 * 200 tasks at 100/s into a simulated solver of 5 workers doing 10 solves/s, three ways at
 * once, each in a process of its own so its memory is its own:
 * an unbounded array queue, `boundedBuffer(50)` and `shed(50)`.
 */
import { fork } from 'node:child_process';
import type { DemoMessage, DemoScenario, DemoVariant } from './demo-scenario.js';
import { seedScenario } from './demo-scenario.js';

const variants: { variant: DemoVariant; label: string }[] = [
  { variant: 'unbounded', label: 'unbounded array' },
  { variant: 'boundedBuffer', label: 'boundedBuffer(50)' },
  { variant: 'shed', label: 'shed(50)' },
];

type Result = Extract<DemoMessage, { type: 'result' }>;

const BAR_WIDTH = 24;

function bar(depth: number, scale: number): string {
  const filled = Math.min(BAR_WIDTH, Math.round((depth / scale) * BAR_WIDTH));
  return `${'█'.repeat(filled)}${'·'.repeat(BAR_WIDTH - filled)} ${String(depth).padStart(3)}`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Runs one variant in a child process; `onSample` gets its queue depth as it goes. */
function runChild(
  variant: DemoVariant,
  scenario: DemoScenario,
  onSample: (depth: number) => void,
): Promise<Result> {
  const isTypeScript = import.meta.url.endsWith('.ts');
  const child = fork(
    new URL(`./demo-scenario.${isTypeScript ? 'ts' : 'js'}`, import.meta.url),
    [variant, JSON.stringify(scenario)],
    {
      execArgv: isTypeScript ? ['--expose-gc', '--import', 'tsx'] : ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  return new Promise<Result>((resolve, reject) => {
    let result: Result | undefined;
    child.on('message', (message: DemoMessage) => {
      if (message.type === 'sample') onSample(message.depth);
      else result = message;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`the ${variant} run exited with code ${code} before reporting`));
    });
  });
}

/** Runs the demo and prints it; resolves when all three runs are done. */
export async function runDemo(
  scenario: DemoScenario = seedScenario,
  write: (line: string) => void = console.log,
): Promise<Result[]> {
  write('backpressure-kit demo: a scraper finds CAPTCHAs faster than the solver can solve them.');
  write(
    `Scraper: ${scenario.tasks} tasks at ${scenario.producePerSecond}/s, each with a ${Math.round(scenario.payloadBytes / 1024)} KiB image.` +
      ` Solver: ${scenario.workers} workers, ${scenario.solvesPerSecond} solves/s (simulated).`,
  );
  write('Three ways to hold the pending work, run side by side. Queue depth over time:');
  write('');
  const depths = new Map<DemoVariant, number>(variants.map(({ variant }) => [variant, 0]));
  const finished = new Set<DemoVariant>();
  write(`  time   ${variants.map(({ label }) => label.padEnd(BAR_WIDTH + 5)).join('  ')}`);
  const started = performance.now();
  const ticker = setInterval(() => {
    const seconds = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
    const cells = variants.map(({ variant }) =>
      finished.has(variant)
        ? 'done'.padEnd(BAR_WIDTH + 5)
        : bar(depths.get(variant) ?? 0, scenario.tasks),
    );
    write(`  ${seconds}s  ${cells.join('  ')}`);
  }, 1000);
  try {
    const results = await Promise.all(
      variants.map(({ variant }) =>
        runChild(variant, scenario, (depth) => depths.set(variant, depth)).then((result) => {
          finished.add(variant);
          return result;
        }),
      ),
    );
    write('');
    write('Outcome:');
    const rows = [
      ['', ...variants.map(({ label }) => label)],
      ['tasks solved', ...results.map((r) => `${r.done} of ${scenario.tasks}`)],
      [
        'tasks dropped',
        ...results.map((r) =>
          r.variant === 'shed'
            ? `${r.dropped.full + r.dropped.evicted} (full ${r.dropped.full}, evicted ${r.dropped.evicted})`
            : '0',
        ),
      ],
      ['peak queue depth', ...results.map((r) => String(r.peakDepth))],
      ['peak retained heap', ...results.map((r) => mb(r.peakRetainedBytes))],
      [
        'producer waited',
        ...results.map((r) =>
          r.variant === 'boundedBuffer' ? `${(r.producerWaitMs / 1000).toFixed(1)} s` : '0 s',
        ),
      ],
      ['time taken', ...results.map((r) => `${(r.elapsedMs / 1000).toFixed(1)} s`)],
    ];
    const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
    for (const row of rows)
      write(`  ${row.map((cell, col) => cell.padEnd(widths[col]!)).join('   ')}`);
    write('');
    write(
      'Unbounded: memory grows with the backlog. boundedBuffer: the scraper waits, memory stays flat.',
    );
    write(
      'shed: nothing waits, memory stays flat, and the least important work is dropped and reported.',
    );
    return results;
  } finally {
    clearInterval(ticker);
  }
}
