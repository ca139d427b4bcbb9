/**
 * `backpressure-kit collect --redis URL [--queue captcha] --out results.jsonl [--follow]`: the
 * fleet's results. Appends each finished job's record to the results file (the same line shape
 * as `solve` writes) and removes the job from Redis only after its line is written, so a crash
 * loses nothing; a rerun skips the ids the file already holds (and removes their jobs), so no
 * record is written twice. Without `--follow` it exits once no finished job is left; with it,
 * it keeps collecting (re-checking on a timer that backs off to 1 s) until Ctrl-C or SIGTERM.
 */
import type { Job } from 'bullmq';
import { Queue } from 'bullmq';
import { InvalidOptionTypeError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import { parseCommandArgs } from './cli-args.js';
import { FLEET_FLAGS, readFleetFlags } from './enqueue-command.js';
import { JsonlWriter, readRecordedIds } from './jsonl-file.js';
import { EXIT } from './solve-command.js';
import type { SolveRecord, TaskId } from './solve-record.js';

export const COLLECT_USAGE = `Usage: backpressure-kit collect --redis URL --out results.jsonl [options]

Appends each finished job's record (as solve writes them) to the results file, then removes
the job from Redis. Rerunnable: ids already in the file are not written again.

Options:
  --redis URL     the fleet's Redis (required)
  --queue NAME    queue name (default captcha)
  -o, --out PATH  the results file (required), appended to
  --follow        keep collecting until Ctrl-C / SIGTERM
  -h, --help      this text`;

type StoredRecord = {
  status?: string;
  task?: { id?: TaskId };
  token?: string;
  kind?: string;
  code?: string;
  reason?: { code?: string; providerCode?: string; message?: string } | string;
  attempts?: number;
  elapsedMs?: number;
};

/** The results-file line of a finished job: its stored record, in `solve`'s shape. */
export function collectedRecord(job: Job, failed: boolean): SolveRecord {
  let stored: StoredRecord = {};
  try {
    stored = (failed ? JSON.parse(job.failedReason) : job.returnvalue) as StoredRecord;
  } catch {
    // A job failed by something other than settleJobs (its reason is plain text).
  }
  const id = stored?.task?.id ?? (job.data as { id?: TaskId } | undefined)?.id ?? String(job.id);
  const attempts = stored?.attempts ?? job.attemptsStarted;
  const elapsedMs = Math.round(stored?.elapsedMs ?? 0);
  if (!failed && stored?.status === 'solved') {
    return { id, status: 'solved', token: String(stored.token), attempts, elapsedMs };
  }
  const reason = typeof stored?.reason === 'object' ? stored.reason : undefined;
  return {
    id,
    status: 'failed',
    ...(stored?.kind === undefined ? {} : { kind: stored.kind as SolveRecord['kind'] & string }),
    ...((stored?.code ?? reason?.code) ? { code: (stored?.code ?? reason?.code) as string } : {}),
    ...(reason?.providerCode === undefined ? {} : { providerCode: reason.providerCode }),
    reason: reason?.message ?? job.failedReason ?? 'failed',
    attempts,
    elapsedMs,
  };
}

/**
 * Runs `backpressure-kit collect`; resolves with the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runCollectCommand(['--redis', url, '--out', 'results.jsonl']);
 * ```
 */
export async function runCollectCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandArgs(
    { ...FLEET_FLAGS, out: { type: 'string', short: 'o' }, follow: { type: 'boolean' } },
    argv,
  );
  if (values.help === true) {
    console.log(COLLECT_USAGE);
    return EXIT.finished;
  }
  const { connection, queue: name } = readFleetFlags(values);
  const out = values.out;
  if (typeof out !== 'string' || out === '' || out === '-') {
    throw new InvalidOptionTypeError({
      option: '--out',
      expected: 'a file path (the results file, appended to)',
      received: out,
    });
  }
  const follow = values.follow === true;
  const { ids } = await readRecordedIds(out);
  const writer = JsonlWriter.open(out, { truncate: false });
  const queue = new Queue(name, { connection });
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let written = 0;
  let skipped = 0;
  try {
    let wait = 20;
    while (!stop.signal.aborted) {
      const batch = [
        ...(await queue.getCompleted(0, 199)).map((job) => ({ job, failed: false })),
        ...(await queue.getFailed(0, 199)).map((job) => ({ job, failed: true })),
      ];
      for (const { job, failed } of batch) {
        const record = collectedRecord(job, failed);
        if (ids.has(record.id)) skipped++;
        else {
          writer.write(record); // on disk (the OS's hands) before the job leaves Redis
          ids.add(record.id);
          written++;
        }
        await job.remove();
      }
      if (batch.length > 0) {
        wait = 20;
        continue;
      }
      if (!follow) break;
      await systemClock.sleep(wait, stop.signal).catch(() => {});
      wait = Math.min(wait * 2, 1_000);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    writer.close();
    ids.close();
    await queue.close();
    console.log(`collect: wrote ${written}, skipped ${skipped} already in ${out}`);
  }
  return EXIT.finished;
}
