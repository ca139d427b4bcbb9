/**
 * `npm run bench [-- name …]`: runs the benchmarks in bench/ one after another, each in its own
 * process with `--expose-gc`. With no names, runs all of them; flags (`--n=…`, `--reps=…`) are
 * passed on to each.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// The benchmark entry points; the other files in bench/ are modules they import.
const all = [
  'pass-through.ts',
  'memory.ts',
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
const requested = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files =
  requested.length > 0 ? requested.map((r) => (r.endsWith('.ts') ? r : `${r}.ts`)) : all;

let failures = 0;
for (const file of files) {
  console.log(`\n=== bench/${file}`);
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
process.exitCode = failures > 0 ? 1 : 0;
