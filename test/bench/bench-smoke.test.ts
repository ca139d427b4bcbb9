import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm run bench -- --quick` into a temporary directory: every benchmark group runs with tiny
 * sizes and writes its results, and the report turns them into the page and its plots, so the
 * benchmarks and plots cannot rot unnoticed. Nothing is timed or compared here.
 */
const root = join(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'bpk-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function runQuick(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench', 'run.ts'), '--quick', `--out=${out}`],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('npm run bench -- --quick', () => {
  it('runs every group, writes its results and regenerates the page and plots', async () => {
    const { code, output } = await runQuick();
    expect(code, output.slice(-4000)).toBe(0);

    const groups = readdirSync(out).filter((f) => f.endsWith('.json'));
    expect(groups.sort()).toEqual(
      [
        'adaptive-overhead',
        'adaptive-sim',
        'before-after',
        'cost-vs-n',
        'memory',
        'mock-parse',
        'ordered-window',
        'pass-through',
        'resilience',
        'seed-scenario',
        'shed-priorities',
        'solver',
      ].map((g) => `${g}.json`),
    );
    for (const file of groups) {
      const results = JSON.parse(readFileSync(join(out, file), 'utf8'));
      expect(results.quick, file).toBe(true);
      expect(results.machine.node, file).toBe(process.version);
      expect(results.tables.length + results.suites.length, file).toBeGreaterThan(0);
    }

    const page = readFileSync(join(out, 'docs', 'benchmarks.md'), 'utf8');
    const images = [...page.matchAll(/\]\(img\/([\w-]+\.svg)\)/g)].map((m) => m[1]);
    expect(images.sort()).toEqual([
      'adaptive-sim.svg',
      'cost-vs-n.svg',
      'heap-over-time.svg',
      'overhead-ratios.svg',
      'seed-scenario.svg',
    ]);
    for (const image of images) {
      const svg = readFileSync(join(out, 'docs', 'img', image!), 'utf8');
      expect(svg.startsWith('<svg'), image).toBe(true);
      // Drawn marks, not an empty frame: every plot has at least one line or bar path.
      expect(svg, image).toMatch(/<path[^>]* d="M/);
    }
  }, 120_000);
});
