/**
 * The live view of `backpressure-kit solve` on a terminal: the bundled command run through a
 * pseudo-terminal (`script` from util-linux), its lines present and redrawn in place.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, turnstileTasks, useBuiltCli, writeLines } from './cli-process.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

const cli = useBuiltCli();

const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

/** Runs the command in a pseudo-terminal; resolves with everything it drew. */
async function inTerminal(args: string[], env: Record<string, string>) {
  // A pseudo-terminal starts with no size; give it one, as a real terminal has.
  const command = `stty rows 40 cols 160; ${[process.execPath, cli(), ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

describe.skipIf(!hasScript)('solve: live view in a terminal', { timeout: 90_000 }, () => {
  it('draws the progress bar, queue, in-flight, drops, breaker and retry lines and redraws them in place', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const TASKS = 16;
      writeLines(join(dir, 'tasks.jsonl'), turnstileTasks(TASKS));
      const args = (out: string) => [
        'solve',
        join(dir, 'tasks.jsonl'),
        '-o',
        join(dir, out),
        '--mock-threads',
        '2',
        '--max',
        '2',
        // Each solve takes at least 250 ms, two at a time: the run lasts long enough to redraw.
        '--time-scale',
        '1',
        '--mock-latency',
        '250',
        '--first-poll-delay',
        '50',
        '--poll-interval',
        '50',
        '--rate',
        'off',
      ];
      const base: Record<string, string> = { PATH: process.env.PATH ?? '', TERM: 'xterm' };
      const [coloured, plain] = await Promise.all([
        inTerminal(args('a.jsonl'), base),
        inTerminal(args('b.jsonl'), { ...base, NO_COLOR: '1' }),
      ]);
      for (const { code, output } of [coloured, plain]) {
        expect(code).toBe(0);
        expect(output).toMatch(/^No CAPTCHAAI_API_KEY set/);
        for (const label of ['queue', 'in flight', 'drops', 'breaker', 'retries', 'records'])
          expect(output).toMatch(new RegExp(`^(\\u001b\\[[0-9;]*[A-Za-z])*${label}\\s`, 'm'));
        // The bar with done/total, redrawn with different counts: an updating view, not one print.
        const counts = new Set(
          [...output.matchAll(new RegExp(`[█░]+ (\\d+)/${TASKS}`, 'g'))].map((m) => m[1]),
        );
        expect(counts.size).toBeGreaterThanOrEqual(2);
        expect(counts).toContain(String(TASKS));
        // Redrawn in place: log-update moves the cursor up and erases lines.
        expect(output).toContain('\u001b[1A');
        expect(output).toContain('\u001b[2K');
        expect(output).toMatch(/Summary[\s\S]*solved 16, failed 0/);
      }
      // Colour only when NO_COLOR is not set.
      const ESC = String.fromCharCode(27);
      const colour = new RegExp(`${ESC}\\[3\\dm`);
      expect(coloured.output).toMatch(colour);
      expect(plain.output).not.toMatch(colour);
    } finally {
      cleanup();
    }
  });
});
