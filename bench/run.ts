/**
 * `npm run bench [-- name …] [--quick] [--out=<dir>]`: runs the benchmark groups in bench/ one
 * after another, each in its own process with `--expose-gc` (each writes
 * `<out>/<group>.json`, by default `bench/results/`), then `bench/report.ts`, which regenerates
 * `docs/benchmarks.md` and `docs/img/*.svg` from the results. With no names, runs all of them;
 * flags (`--n=…`, `--reps=…`, `--quick`) are passed on to each. `--quick` is the smoke run the
 * test suite executes; with `--out=<dir>` the page and plots go to `<dir>/docs/` instead of
 * `docs/`.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// The benchmark entry points; the other files in bench/ are modules they import.
const all = [
  'before-after.ts',
  'pass-through.ts',
  'memory.ts',
  'seed-scenario.ts',
  'cost-vs-n.ts',
  'adaptive-sim.ts',
  'adaptive-overhead.ts',
  'resilience.ts',
  'solver.ts',
  'mock-parse.ts',
  'shed-priorities.ts',
  'ordered-window.ts',
  'fleet.ts',
  'cli.ts',
];
// Groups that need more than Node (a Redis server, a bundling step) and run for minutes stay
// out of the smoke run; they record their results when run in full or by name.
const notInQuick = new Set(['fleet.ts', 'cli.ts']);
const requested = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const quick = flags.includes('--quick');
const out = flags.find((a) => a.startsWith('--out='))?.slice('--out='.length);
const files =
  requested.length > 0
    ? requested.map((r) => (r.endsWith('.ts') ? r : `${r}.ts`))
    : all.filter((f) => !(quick && notInQuick.has(f)));

const started = performance.now();
let failures = 0;
for (const file of files) {
  console.log(`\n=== bench/${file}`);
  if (quick) {
    // The smoke run imports the groups into this process one after another: their sizes are
    // tiny, and a process per group would spend most of the run starting up.
    try {
      await import(pathToFileURL(join(here, file)).href);
    } catch (error) {
      failures++;
      console.log(`bench/${file} failed:`, error);
    }
    continue;
  }
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(here, file), ...flags],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    failures++;
    console.log(`bench/${file} exited with ${result.status}`);
  }
}
console.log('\n=== bench/report.ts');
const report = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    join(here, 'report.ts'),
    ...(out === undefined ? [] : [`--results=${out}`, `--docs=${join(out, 'docs')}`]),
  ],
  { stdio: 'inherit' },
);
if (report.status !== 0) failures++;
console.log(`\nnpm run bench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = failures > 0 ? 1 : 0;
