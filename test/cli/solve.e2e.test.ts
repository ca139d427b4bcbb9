/**
 * `backpressure-kit solve` end to end: the bundled command run as a child process against the
 * mock (embedded, or started here so its recorder can be read).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_KEY, type MockSolver, startMockSolver } from '../../src/mock/index.js';
import { runCli, tempDir, turnstileTasks, useBuiltCli, writeLines } from './cli-process.js';

const cli = useBuiltCli();

let dir = '';
let cleanupDir: () => void = () => {};
let mock: MockSolver | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
  cleanupDir();
});
function freshDir(): string {
  ({ dir, cleanup: cleanupDir } = tempDir());
  return dir;
}

// 0.01, not less: the mock's scaled result TTL (3 s) must outlast a poll on a loaded machine.
const FAST = ['--time-scale', '0.01', '--mock-latency', '0'];
/** Fast timings against a mock started by the test (`--base-url`). */
const FAST_CLIENT = ['--time-scale', '0.01', '--rate', 'off'];

/** Writes `lines` as `<dir>/tasks.jsonl` and runs `solve` on it into `<dir>/out.jsonl`. */
function solveLines(
  d: string,
  lines: readonly (object | string)[],
  args: string[],
  env?: Record<string, string>,
) {
  writeLines(join(d, 'tasks.jsonl'), lines);
  return runCli(
    cli(),
    ['solve', join(d, 'tasks.jsonl'), '-o', join(d, 'out.jsonl'), ...args],
    env ? { env } : {},
  );
}

function readRecords(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// Child processes on a loaded 2-core machine (three copies of the suite at once): generous limits.
describe('solve', { timeout: 90_000 }, () => {
  it('solves every task of a file against the embedded mock, one record each, and says so first', async () => {
    const d = freshDir();
    const run = solveLines(d, turnstileTasks(40), [...FAST]);
    const { code } = await run.exit;
    expect(code).toBe(0);
    expect(run.stdout[0]).toMatch(
      /^No CAPTCHAAI_API_KEY set: solving against the embedded mock solver/,
    );
    const records = readRecords(join(d, 'out.jsonl'));
    expect(records.map((r) => r.id).sort()).toEqual(
      turnstileTasks(40)
        .map((t) => (t as { id: string }).id)
        .sort(),
    );
    for (const record of records) {
      expect(record, JSON.stringify(record)).toMatchObject({ status: 'solved', attempts: 1 });
      expect(typeof record.token).toBe('string');
      expect(typeof record.elapsedMs).toBe('number');
    }
    const output = run.stdout.join('\n');
    expect(output).toMatch(/^Summary$/m);
    expect(output).toMatch(/tasks\s+solved 40, failed 0, dropped 0, rejected 0, skipped 0/);
    // Not a terminal: plain log lines, no escape codes, and never the key.
    expect(output).toMatch(/^\[[\d.]+m?s\] 40\/40 done/m);
    expect(output).not.toContain('\u001b[');
    expect(output + readFileSync(join(d, 'out.jsonl'), 'utf8')).not.toContain(DEFAULT_MOCK_KEY);
  });

  it('rejects malformed lines and a duplicate id with file, line and reason, and goes on', async () => {
    const d = freshDir();
    const [a, b, c] = turnstileTasks(3);
    const run = solveLines(
      d,
      [
        a!,
        'not json at all',
        { id: 'x1', type: 'captcha-v9', sitekey: 's', pageurl: 'https://e.example' },
        { id: 'x2', type: 'turnstile', pageurl: 'https://e.example' },
        '[1, 2]',
        b!,
        { ...a!, pageurl: 'https://other.example' },
        c!,
        { type: 'turnstile', sitekey: 's', pageurl: 'https://e.example/no-id' },
      ],
      [...FAST],
    );
    expect((await run.exit).code).toBe(0);
    const ids = readRecords(join(d, 'out.jsonl')).map((r) => r.id);
    // The task without an id gets its line number.
    expect(ids.sort()).toEqual([9, 't1', 't2', 't3'].sort());
    const rejects = readRecords(join(d, 'out.jsonl.rejects.jsonl'));
    expect(rejects.map((r) => r.line)).toEqual([2, 3, 4, 5, 7]);
    for (const reject of rejects) expect(reject.file).toBe(join(d, 'tasks.jsonl'));
    expect(rejects[0]!.reason).toMatch(/^not JSON/);
    expect(rejects[1]).toMatchObject({ id: 'x1' });
    expect(rejects[1]!.reason).toMatch(/`type`/);
    expect(rejects[2]!.reason).toMatch(/`sitekey`/);
    expect(rejects[3]!.reason).toMatch(/task object/);
    expect(rejects[4]).toMatchObject({ id: 't1' });
    expect(rejects[4]!.reason).toMatch(/duplicate id "t1"/);
    expect(run.stdout.join('\n')).toMatch(/tasks\.jsonl:2: rejected: not JSON/);
  });

  it('--strict stops at the first bad line with exit code 1', async () => {
    const d = freshDir();
    const run = solveLines(
      d,
      [...turnstileTasks(2), '{"id":', ...turnstileTasks(2, 3)],
      ['--strict', ...FAST],
    );
    expect((await run.exit).code).toBe(1);
    expect(run.stderr.join('\n')).toMatch(/tasks\.jsonl:3: not JSON.*--strict/);
    const ids = readRecords(join(d, 'out.jsonl')).map((r) => r.id);
    expect(ids).not.toContain('t3');
    expect(ids).not.toContain('t4');
  });

  it('stops at once with exit code 1 and says what to fix when the key is wrong', async () => {
    const d = freshDir();
    mock = await startMockSolver({ timeScale: 0.01, latency: 0 });
    const run = solveLines(d, turnstileTasks(50), ['--base-url', mock.url, ...FAST_CLIENT], {
      CAPTCHAAI_API_KEY: 'f'.repeat(32),
    });
    expect((await run.exit).code).toBe(1);
    const errors = run.stderr.join('\n');
    expect(errors).toMatch(/refused the account: .*ERROR_KEY_DOES_NOT_EXIST/);
    expect(errors).toMatch(/Check the key \(in CAPTCHAAI_API_KEY\)/);
    expect(errors).not.toContain('f'.repeat(32));
    // Only the submits already in flight when the first refusal came (the initial limit is 4).
    expect(mock.state().routes.in ?? 0).toBeLessThanOrEqual(4);
    // No task is recorded as done: they all run on the next run.
    expect(readRecords(join(d, 'out.jsonl'))).toEqual([]);
  });

  it('writes NDJSON progress samples on stderr with --progress json', async () => {
    const d = freshDir();
    const run = solveLines(d, turnstileTasks(20), ['--progress', 'json', '--quiet', ...FAST]);
    const done = await run.waitForJson((s) => s.type === 'done');
    expect(done).toMatchObject({ solved: 20, total: 20, done: 20, breaker: 'closed' });
    expect((await run.exit).code).toBe(0);
    expect(run.stdout.filter((line) => line !== '')).toEqual([]);
    for (const line of run.stderr.filter((l) => l !== ''))
      expect(() => JSON.parse(line)).not.toThrow();
  });

  it('--metrics-port with a file: every line is read (none lost while the endpoint starts)', async () => {
    const d = freshDir();
    const run = solveLines(d, turnstileTasks(10), [
      ...FAST,
      '--metrics-port',
      '0',
      '--progress',
      'none',
    ]);
    expect((await run.exit).code).toBe(0);
    expect(run.stdout.join('\n')).toMatch(
      /^Serving metrics at http:\/\/127\.0\.0\.1:\d+\/metrics$/m,
    );
    expect(readRecords(join(d, 'out.jsonl'))).toHaveLength(10);
  });

  it('exits with 2 on a usage error and prints help for every command', async () => {
    const bad = runCli(cli(), ['solve', 'x.jsonl', '--out', 'o.jsonl', '--buffer', 'ten']);
    const noOut = runCli(cli(), ['solve', 'x.jsonl']);
    const keyFlag = runCli(cli(), ['solve', '--out', 'o.jsonl', '--api-key', 'secret-value']);
    expect((await bad.exit).code).toBe(2);
    expect(bad.stderr.join('\n')).toMatch(
      /`--buffer` to be an integer, got "ten"[\s\S]*solve --help/,
    );
    expect((await noOut.exit).code).toBe(2);
    expect(noOut.stderr.join('\n')).toMatch(/`--out`/);
    expect((await keyFlag.exit).code).toBe(2);
    expect(keyFlag.stderr.join('\n')).not.toContain('secret-value');
    const helps = [['solve'], ['mock'], ['demo'], []].map((command) =>
      runCli(cli(), [...command, '--help']),
    );
    for (const help of helps) {
      expect((await help.exit).code).toBe(0);
      expect(help.stdout[0]).toMatch(/^Usage: backpressure-kit/);
    }
  });
});

describe('solve: resume', { timeout: 90_000 }, () => {
  const TASKS = 60;
  const MAX = 4;

  async function slowMock(): Promise<MockSolver> {
    // Real-time latency so the run is still going when it is interrupted.
    return startMockSolver({ keys: { [DEFAULT_MOCK_KEY]: { threads: MAX } }, latency: 40 });
  }

  function start(d: string, url: string) {
    return runCli(
      cli(),
      [
        'solve',
        join(d, 'tasks.jsonl'),
        '-o',
        join(d, 'out.jsonl'),
        '--base-url',
        url,
        '--max',
        String(MAX),
        '--rate',
        'off',
        '--first-poll-delay',
        '20',
        '--poll-interval',
        '20',
        '--progress',
        'json',
        '--progress-interval',
        '50',
      ],
      { env: { CAPTCHAAI_API_KEY: DEFAULT_MOCK_KEY } },
    );
  }

  function expectEveryTaskOnce(d: string): void {
    const ids = readRecords(join(d, 'out.jsonl')).map((r) => r.id as string);
    expect(ids).toHaveLength(TASKS);
    expect(new Set(ids).size).toBe(TASKS);
  }

  it('after Ctrl-C: in-flight tasks finish and are recorded; the rerun skips them and solves nothing twice', async () => {
    const d = freshDir();
    mock = await slowMock();
    writeLines(join(d, 'tasks.jsonl'), turnstileTasks(TASKS));
    const first = start(d, mock.url);
    await first.waitForJson((s) => typeof s.solved === 'number' && s.solved >= 8);
    first.child.kill('SIGINT');
    await first.waitForLine(/^Ctrl-C: stopped reading/);
    expect((await first.exit).code).toBe(130);
    expect(first.stdout.join('\n')).toMatch(/outcome\s+interrupted/);
    const recorded = readRecords(join(d, 'out.jsonl')).length;
    expect(recorded).toBeGreaterThanOrEqual(8);
    expect(recorded).toBeLessThan(TASKS);
    // Every task the mock accepted was recorded: nothing was left in flight.
    expect(mock.state().tasks.created).toBe(recorded);

    const second = start(d, mock.url);
    expect((await second.exit).code).toBe(0);
    expect(second.stdout.join('\n')).toMatch(
      new RegExp(`Resuming: ${recorded} task\\(s\\) already in`),
    );
    expectEveryTaskOnce(d);
    expect(mock.state().tasks.created).toBe(TASKS);
  });

  it('a second Ctrl-C aborts the tasks in flight: not recorded, solved by the rerun', async () => {
    const d = freshDir();
    // Solves that take 10 s: the tasks are surely in flight when the run is interrupted.
    mock = await startMockSolver({
      keys: { [DEFAULT_MOCK_KEY]: { threads: MAX } },
      latency: 10_000,
    });
    writeLines(join(d, 'tasks.jsonl'), turnstileTasks(TASKS));
    const first = start(d, mock.url);
    await first.waitForJson((s) => typeof s.inFlight === 'number' && s.inFlight >= 1);
    first.child.kill('SIGINT');
    await first.waitForLine(/^Ctrl-C: stopped reading/);
    first.child.kill('SIGINT');
    await first.waitForLine(/^Ctrl-C again: aborting/);
    expect((await first.exit).code).toBe(130);
    expect(first.stdout.join('\n')).toMatch(/outcome\s+aborted/);
    const submittedFirst = mock.state().tasks.created;
    expect(readRecords(join(d, 'out.jsonl'))).toEqual([]);

    mock.configure({ latency: 0 });
    const second = start(d, mock.url);
    expect((await second.exit).code).toBe(0);
    expectEveryTaskOnce(d);
    // Only the aborted ones (at most --max) were submitted twice.
    expect(submittedFirst).toBeLessThanOrEqual(MAX);
    expect(mock.state().tasks.created).toBe(TASKS + submittedFirst);
  });

  it('after kill -9 (and a torn last line): nothing lost; only tasks in flight at the kill are solved twice', async () => {
    const d = freshDir();
    mock = await slowMock();
    writeLines(join(d, 'tasks.jsonl'), turnstileTasks(TASKS));
    const first = start(d, mock.url);
    await first.waitForJson((s) => typeof s.solved === 'number' && s.solved >= 8);
    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    const before = readRecords(join(d, 'out.jsonl'));
    // A crash in the middle of a write leaves a torn line; the rerun cuts it off.
    const text = readFileSync(join(d, 'out.jsonl'), 'utf8');
    writeLines(join(d, 'out.jsonl'), []);
    writeFileSync(join(d, 'out.jsonl'), `${text}{"id":"t${TASKS}","sta`);
    const createdAtKill = mock.state().tasks.created;

    const second = start(d, mock.url);
    expect((await second.exit).code).toBe(0);
    expect(second.stdout.join('\n')).toMatch(/cut a torn last line/);
    expectEveryTaskOnce(d);
    // Tasks accepted by the mock but not recorded were in flight at the kill: at most --max.
    const inFlightAtKill = createdAtKill - before.length;
    expect(inFlightAtKill).toBeLessThanOrEqual(MAX);
    expect(mock.state().tasks.created).toBe(TASKS + inFlightAtKill);
  });
});
