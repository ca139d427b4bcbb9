/**
 * The V8 settings `backpressure-kit` applies to its own process (src/cli/lean-memory.ts), seen
 * from a child process that runs them under a workload keeping many young objects alive (the
 * kind that makes V8 grow its young generation): the young generation grows to its cap and no
 * further, no young collection is started by V8's minor GC task (counted in the child's
 * `--trace-gc` log), and with `BPK_LEAN_MEMORY=off` neither holds, so the checks can fail.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { YOUNG_GENERATION_MIB } from '../../src/cli/lean-memory.js';
import { bundleForNode, makeCacheDir } from './cli-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

// Replaces the objects of a ring of 200,000 (several MiB alive at any time) in small chunks,
// one turn of the event loop per chunk (V8's minor GC task runs between turns), and reports the
// largest young generation seen after any collection. A chunk allocates about 100 KB, so the
// cap's check (run a turn or two after each collection) always comes before the young
// generation could grow again; a program that allocates megabytes in one turn can pass the cap
// by one doubling, as lean-memory.ts says.
const WORKLOAD = `
import { getHeapSpaceStatistics } from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import { useLeanMemory } from './lean-memory.mjs';
useLeanMemory();
let largestYoung = 0;
const observe = () => {
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  largestYoung = Math.max(largestYoung, young.space_size);
};
const observer = new PerformanceObserver(observe);
observer.observe({ entryTypes: ['gc'] });
const ring = new Array(200_000);
let i = 0;
for (let chunk = 0; chunk < 1_500; chunk++) {
  for (let k = 0; k < 1_000; k++, i++) ring[i % ring.length] = { i, text: 'item ' + i };
  await new Promise((resolve) => setImmediate(resolve));
}
observe();
observer.disconnect();
console.log(JSON.stringify({ largestYoung, kept: ring.length }));
`;

interface Outcome {
  largestYoungMib: number;
  scavenges: number;
  scavengesByTask: number;
}

let dir = '';

beforeAll(async () => {
  dir = await makeCacheDir('bpk-lean-memory-');
  await bundleForNode(join(root, 'src/cli/lean-memory.ts'), join(dir, 'lean-memory.mjs'));
  writeFileSync(join(dir, 'workload.mjs'), WORKLOAD);
}, 60_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

async function runWorkload(env: Record<string, string>): Promise<Outcome> {
  const { stdout } = await run(process.execPath, ['--trace-gc', join(dir, 'workload.mjs')], {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 2 ** 20,
  });
  const lines = stdout.split('\n');
  const report = JSON.parse(lines.find((line) => line.startsWith('{')) ?? 'null') as {
    largestYoung: number;
  };
  // --trace-gc prints one line per collection, its reason last: "...: Scavenge ... task;".
  const scavenges = lines.filter((line) => / Scavenge /.test(line));
  return {
    largestYoungMib: report.largestYoung / 2 ** 20,
    scavenges: scavenges.length,
    scavengesByTask: scavenges.filter((line) => /\btask;\s*$/.test(line)).length,
  };
}

describe('useLeanMemory', () => {
  it('grows the young generation to its cap, not past it, and collects it only when it is full', async () => {
    const lean = await runWorkload({ BPK_LEAN_MEMORY: '' });
    expect(lean.scavenges).toBeGreaterThan(0);
    // Exactly the cap: it is no power of two, so doubling alone would stop short of it.
    expect(lean.largestYoungMib).toBe(YOUNG_GENERATION_MIB);
    expect(lean.scavengesByTask).toBe(0);
  }, 60_000);

  it('does nothing with BPK_LEAN_MEMORY=off: the same workload grows the young generation past the cap, and V8 task collections appear', async () => {
    const plain = await runWorkload({ BPK_LEAN_MEMORY: 'off' });
    expect(plain.largestYoungMib).toBeGreaterThan(YOUNG_GENERATION_MIB);
    expect(plain.scavengesByTask).toBeGreaterThan(0);
  }, 60_000);
});
