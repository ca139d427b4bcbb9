/**
 * The fleet's commands in-process: `--help` of each, the clear errors a missing `--redis` or a
 * missing shared solver gives, and `collect` being rerunnable (a record already in the results
 * file is not written again, and its job still leaves Redis). The three commands together, as
 * child processes with a SIGKILL, are fleet.e2e.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queueSource } from '../../src/bullmq/index.js';
import { COLLECT_USAGE, runCollectCommand } from '../../src/cli/collect-command.js';
import { ENQUEUE_USAGE, runEnqueueCommand } from '../../src/cli/enqueue-command.js';
import { runWorkCommand, WORK_USAGE } from '../../src/cli/work-command.js';
import { tempDir } from '../cli/cli-process.js';
import {
  connectionOptions,
  deleteKeys,
  describeWithRedis,
  redisUrl,
  uniquePrefix,
} from './redis.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function captureLog(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  return lines;
}

describe('enqueue, work, collect: help and option errors', () => {
  for (const [command, run, usage] of [
    ['enqueue', runEnqueueCommand, ENQUEUE_USAGE],
    ['work', runWorkCommand, WORK_USAGE],
    ['collect', runCollectCommand, COLLECT_USAGE],
  ] as const) {
    it(`${command} --help prints its usage and exits 0, without Redis`, async () => {
      const lines = captureLog();
      expect(await run(['--help'])).toBe(0);
      expect(lines).toEqual([usage]);
      expect(usage).toMatch(new RegExp(`^Usage: backpressure-kit ${command} `));
      expect(usage).toContain('--redis URL');
    });

    it(`${command} without --redis names the option`, async () => {
      await expect(run(command === 'collect' ? ['--out', 'x.jsonl'] : [])).rejects.toMatchObject({
        code: 'ERR_BPK_INVALID_OPTION_TYPE',
        option: '--redis',
      });
    });
  }

  it('work with no key and no --base-url says why it needs a shared solver', async () => {
    for (const name of ['CAPTCHAAI_API_KEY', 'TWOCAPTCHA_API_KEY']) {
      const saved = process.env[name];
      delete process.env[name];
      cleanups.push(() => {
        if (saved !== undefined) process.env[name] = saved;
      });
    }
    const error = await runWorkCommand(['--redis', 'redis://127.0.0.1:1']).then(
      () => undefined,
      (e: unknown) => e as Error & { option?: string },
    );
    expect(error?.option).toBe('--base-url');
    expect(error?.message).toMatch(/a mock per worker would not share one account's threads/);
  });
});

describeWithRedis('collect (Redis)', () => {
  it('is rerunnable: a record already in the file is skipped, its job still removed', async () => {
    const url = redisUrl as string;
    const connection = connectionOptions();
    const name = uniquePrefix('collect'); // collect uses BullMQ's default prefix
    cleanups.push(() => deleteKeys(`bull:${name}`));
    const queue = new Queue<{ id: string }>(name, { connection });
    cleanups.push(() => queue.close());
    const ids = ['a', 'b', 'c'];
    for (const id of ids) await queue.add('task', { id }, { jobId: `task-${id}` });
    const jobs = queueSource<{ id: string }>(name, { connection, onRedisWarning: false });
    cleanups.push(() => jobs.close());
    for (const _ of ids) {
      const r = await jobs.next();
      if (r.done) throw new Error('no job');
      const task = r.value.data;
      await r.value.complete({ task, status: 'solved', token: `token-${task.id}`, attempts: 1 });
    }
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const out = join(dir, 'results.jsonl');
    // A previous run wrote b's line and died before removing its job.
    writeFileSync(out, `${JSON.stringify({ id: 'b', status: 'solved', token: 'token-b' })}\n`);
    const lines = captureLog();
    expect(await runCollectCommand(['--redis', url, '--queue', name, '--out', out])).toBe(0);
    expect(lines.at(-1)).toBe(`collect: wrote 2, skipped 1 already in ${out}`);
    const records = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { id: string; status: string; token: string });
    expect(records.map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
    expect(records.every((r) => r.status === 'solved' && r.token === `token-${r.id}`)).toBe(true);
    expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 0, failed: 0 });
    // Rerun: nothing left, nothing written twice.
    expect(await runCollectCommand(['--redis', url, '--queue', name, '--out', out])).toBe(0);
    expect(lines.at(-1)).toBe(`collect: wrote 0, skipped 0 already in ${out}`);
    expect(
      readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    ).toHaveLength(3);
  });
});
