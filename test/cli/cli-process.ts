/**
 * Runs the `backpressure-kit` command as a child process, as users run it: the CLI is bundled
 * once per test file with esbuild (the bundler tsup uses) into a private folder under
 * node_modules/.cache, so each spawn starts plain `node` (no TypeScript loader). Helpers wait
 * on output lines and exit, never on sleeps.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Bundles one TypeScript entry into an ESM file for Node 20 (`outfile`, ending in `.mjs`),
 * packages left external: what the e2e tests and the CLI benchmark run as a child process.
 * Code split like the published build (tsup `splitting: true`): a module imported with
 * `import()` goes in a chunk beside `outfile` and loads only when used, so a command loads
 * only its own dependencies, as it does from the package.
 */
export async function bundleForNode(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: { [basename(outfile, '.mjs')]: entry },
    outdir: dirname(outfile),
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
}

/**
 * A new folder under node_modules/.cache named `prefix` + a unique suffix, for bundles a test
 * file runs: one per test file and process, so parallel copies of the suite never share one.
 */
export async function makeCacheDir(prefix: string): Promise<string> {
  const cache = join(root, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  return mkdtemp(join(cache, prefix));
}

/** Bundles src/cli/main.ts; returns the path of the bundle and a cleanup. */
export async function buildCli(): Promise<{ main: string; cleanup: () => Promise<void> }> {
  const dir = await makeCacheDir('bpk-cli-e2e-');
  const main = join(dir, 'main.mjs');
  await bundleForNode(join(root, 'src/cli/main.ts'), main);
  return { main, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Bundles the CLI before the file's tests and removes it after; returns a getter of the
 * bundle's path.
 */
export function useBuiltCli(): () => string {
  let built: { main: string; cleanup: () => Promise<void> } | undefined;
  beforeAll(async () => {
    built = await buildCli();
  }, 60_000);
  afterAll(() => built?.cleanup());
  return () => {
    if (!built) throw new Error('the CLI is not built yet');
    return built.main;
  };
}

/** A temporary folder for one test's files. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bpk-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes lines (objects are JSON-encoded) as a JSON Lines file. */
export function writeLines(path: string, lines: readonly (object | string)[]): void {
  writeFileSync(
    path,
    `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`,
  );
}

/** `count` valid turnstile tasks with ids `t1`…. */
export function turnstileTasks(count: number, from = 1): object[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `t${from + i}`,
    type: 'turnstile',
    sitekey: '0x4AAAAAAAexample',
    pageurl: `https://example.com/page/${from + i}`,
    priority: i % 3,
  }));
}

/** A running CLI process with its output collected line by line. */
export interface CliRun {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the first stdout / stderr line matching, as soon as it is printed. */
  waitForLine(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<string>;
  /** Resolves with a stderr JSON line for which `test` holds (for `--progress json`). */
  waitForJson(test: (sample: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

type Waiter = {
  stream: 'stdout' | 'stderr';
  test: (line: string) => boolean;
  resolve: (line: string) => void;
};

/** Spawns `node main …args`; `env` is added to a copy of this process's environment without any API key. */
export function runCli(
  main: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: 'pipe' | 'ignore' } = {},
): CliRun {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const name of ['CAPTCHAAI_API_KEY', 'TWOCAPTCHA_API_KEY']) {
    if (!options.env?.[name]) delete env[name];
  }
  const child = spawn(process.execPath, [main, ...args], {
    env,
    cwd: options.cwd ?? root,
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const waiters: Waiter[] = [];
  const collect = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    child[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        lines[stream].push(line);
        for (const waiter of [...waiters]) {
          if (waiter.stream === stream && waiter.test(line)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
    });
  };
  collect('stdout');
  collect('stderr');
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  const waitFor = (stream: 'stdout' | 'stderr', test: (line: string) => boolean) => {
    const seen = lines[stream].find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      waiters.push({ stream, test, resolve });
      void exit.then(() =>
        reject(
          new Error(
            `exited before printing the line awaited\n${lines.stdout.join('\n')}\n${lines.stderr.join('\n')}`,
          ),
        ),
      );
    });
  };
  const json = (line: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  return {
    child,
    stdout: lines.stdout,
    stderr: lines.stderr,
    waitForLine: (pattern, stream = 'stdout') => waitFor(stream, (line) => pattern.test(line)),
    waitForJson: async (test) =>
      json(
        await waitFor('stderr', (line) => {
          const sample = json(line);
          return sample !== undefined && test(sample);
        }),
      )!,
    exit,
  };
}
