/**
 * `backpressure-kit enqueue tasks.jsonl --redis URL [--queue captcha] [--high-water-mark N]`:
 * the fleet's producer. Reads tasks as `solve` does (JSON Lines, `-` for standard input; a bad
 * line is reported and skipped) and adds each to a BullMQ queue through `queueSink`: it stops
 * reading while the queue's backlog is at the mark, so the file is never loaded whole. Each
 * job's id is `task-<id>`, so a rerun over the same file adds nothing twice.
 */
import { access } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Queue } from 'bullmq';
import { queueSink } from '../bullmq/queue-sink.js';
import { redisConnectionFromUrl } from '../bullmq/redis-url.js';
import { InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';
import { type FlagTable, numberFlag, parseCommandArgs } from './cli-args.js';
import { EXIT } from './solve-command.js';
import type { IdentifiedTask } from './task-lines.js';
import { TaskLineReader } from './task-lines.js';

/** Flags every fleet command takes: where Redis is and which queue. */
export const FLEET_FLAGS = {
  redis: { type: 'string' },
  queue: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies FlagTable;

/** The fleet flags, read: `--redis` is required. */
export function readFleetFlags(values: Readonly<Record<string, string | boolean | undefined>>) {
  const url = values.redis;
  if (typeof url !== 'string' || url === '') {
    throw new InvalidOptionTypeError({
      option: '--redis',
      expected: 'the Redis URL the fleet shares, such as redis://127.0.0.1:6379',
      received: undefined,
    });
  }
  const queue = typeof values.queue === 'string' ? values.queue : 'captcha';
  if (queue === '' || queue.includes(':')) {
    throw new InvalidOptionValueError({
      option: '--queue',
      expected: 'a queue name without ":"',
      received: queue,
    });
  }
  return { connection: redisConnectionFromUrl(url, '--redis'), queue };
}

/** The BullMQ job id of a task: never a bare integer (BullMQ refuses those). */
export const jobIdOf = (task: IdentifiedTask): string => `task-${task.id}`;

export const ENQUEUE_USAGE = `Usage: backpressure-kit enqueue <tasks.jsonl | -> --redis URL [options]

Adds each task to the fleet's queue (BullMQ on Redis), waiting while the queue's backlog
(waiting + delayed + active jobs) is at the high-water mark. Job ids are task-<id>: a rerun
over the same file adds nothing twice.

Options:
  --redis URL              the fleet's Redis (required), e.g. redis://127.0.0.1:6379
  --queue NAME             queue name (default captcha)
  --high-water-mark N      backlog at which reading stops (default 500)
  -h, --help               this text`;

/**
 * Runs `backpressure-kit enqueue`; resolves with the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runEnqueueCommand(['tasks.jsonl', '--redis', 'redis://127.0.0.1:6379']);
 * ```
 */
export async function runEnqueueCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    { ...FLEET_FLAGS, 'high-water-mark': { type: 'string' } },
    argv,
    { maxPositionals: 1 },
  );
  if (values.help === true) {
    console.log(ENQUEUE_USAGE);
    return EXIT.finished;
  }
  const { connection, queue: name } = readFleetFlags(values);
  const highWaterMark =
    typeof values['high-water-mark'] === 'string'
      ? numberFlag('--high-water-mark', values['high-water-mark'], { integerOnly: true, min: 1 })
      : 500;
  const input = positionals[0] ?? '-';
  if (input !== '-') {
    await access(input).catch(() => {
      throw new InvalidOptionValueError({
        option: 'tasks file',
        expected: 'a readable file (or - for standard input)',
        received: input,
      });
    });
  }

  const queue = new Queue<IdentifiedTask>(name, { connection });
  // Opened at the first pull, not before: the input is only read once tasks are wanted.
  let reader: TaskLineReader | undefined;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let rejected = 0;
  async function* tasks(): AsyncGenerator<IdentifiedTask> {
    reader = new TaskLineReader(input, new Set());
    for await (const line of reader.lines()) {
      if (line.kind === 'task') yield line.task;
      else if (line.kind === 'reject') {
        rejected++;
        console.error(`line ${line.line}: ${line.reason}`);
      }
    }
  }
  const sink = queueSink<IdentifiedTask>(queue, {
    highWaterMark,
    jobId: jobIdOf,
    signal: stop.signal,
    onRedisWarning: (warning) => console.error(`warning: ${warning}`),
  });
  try {
    const s = await pipeline(tasks(), sink);
    console.log(
      `enqueue: added ${s.added}, rejected ${rejected}, waits ${s.waits}, waited ${Math.round(s.waitedMs)} ms, peak backlog ${s.peakBacklog} (mark ${highWaterMark})`,
    );
    return EXIT.finished;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    reader?.close();
    await queue.close();
  }
}
