/**
 * `backpressure-kit work --redis URL [--queue captcha] [--max N] [--global-concurrency N]`:
 * one worker of the fleet. Pulls jobs with `queueSource` only while its own `solveStage` has
 * room, solves them (`resumableSolver`: a redelivered job polls its stored captcha id first),
 * and settles each job with its record (`settleJobs`). When its breaker opens the whole queue
 * pauses for the open time (`pauseFleetWhileOpen`). `--global-concurrency` sets BullMQ's
 * fleet-wide ceiling of active jobs: the account's threads. Runs until Ctrl-C or SIGTERM.
 *
 * The key comes from the environment (or `--api-key-file`) as for `solve`. Without a key it
 * needs `--base-url` of a solver the fleet shares (a `backpressure-kit mock`): an embedded mock
 * per worker would give each worker threads of its own, and prove nothing about the fleet.
 */
import { readFile } from 'node:fs/promises';
import { pauseFleetWhileOpen } from '../bullmq/pause-fleet-while-open.js';
import { queueSource } from '../bullmq/queue-source.js';
import { resumableSolver } from '../bullmq/resumable-solver.js';
import { settleJobs } from '../bullmq/settle-jobs.js';
import { InvalidOptionTypeError } from '../errors.js';
import { DEFAULT_MOCK_KEY } from '../mock/constants.js';
import { createSolver } from '../solver/create-solver.js';
import { solveStage } from '../solver/solve-stage.js';
import { durationFlag, numberFlag, parseCommandArgs } from './cli-args.js';
import { FLEET_FLAGS, readFleetFlags } from './enqueue-command.js';
import { EXIT } from './solve-command.js';
import { PIPELINE_FLAGS, readAccountFlags, readPipelineFlags } from './solve-options.js';
import type { IdentifiedTask } from './task-lines.js';

const WORK_FLAGS = {
  ...FLEET_FLAGS,
  ...PIPELINE_FLAGS,
  provider: { type: 'string' },
  'base-url': { type: 'string' },
  'api-key-file': { type: 'string' },
  'global-concurrency': { type: 'string' },
  'lock-duration': { type: 'string' },
  'stalled-interval': { type: 'string' },
} as const;

export const WORK_USAGE = `Usage: backpressure-kit work --redis URL [options]

Solves jobs from the fleet's queue until stopped (Ctrl-C, SIGTERM). Each job is completed
with its record (or failed with it); a job whose worker died comes back to another worker,
which first polls the captcha id stored on the job instead of paying for a new submit.

Options:
  --redis URL                 the fleet's Redis (required)
  --queue NAME                queue name (default captcha)
  --max N                     this worker's most tasks in flight (default 50)
  --global-concurrency N      fleet-wide ceiling of active jobs: set it to the account's threads
  --rate N/s | off            this worker's submit rate (default 10/s)
  --retries N, --resubmits N, --breaker-failures N, --breaker-reset D, --timeout D,
  --poll-interval D, --first-poll-delay D      as for solve
  --lock-duration D           job lock, renewed while held (default 30s)
  --stalled-interval D        how often dead workers' jobs are looked for (default 30s)
  --provider captchaai|2captcha, --api-key-file PATH, --base-url URL
                              the key comes from CAPTCHAAI_API_KEY / TWOCAPTCHA_API_KEY or the
                              file; with no key, --base-url must name a shared solver (a
                              backpressure-kit mock): the fleet must share one account
  -h, --help                  this text`;

/**
 * Runs `backpressure-kit work`; resolves with the exit code when stopped.
 *
 * @example
 * ```ts
 * process.exitCode = await runWorkCommand(['--redis', 'redis://127.0.0.1:6379', '--max', '20']);
 * ```
 */
export async function runWorkCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const { values } = parseCommandArgs(WORK_FLAGS, argv);
  if (values.help === true) {
    console.log(WORK_USAGE);
    return EXIT.finished;
  }
  const { connection, queue: name } = readFleetFlags(values);
  const pipelineFlags = readPipelineFlags(values);
  const account = readAccountFlags(values, env);
  const globalConcurrency =
    typeof values['global-concurrency'] === 'string'
      ? numberFlag('--global-concurrency', values['global-concurrency'], {
          integerOnly: true,
          min: 1,
        })
      : undefined;
  const duration = (flag: 'lock-duration' | 'stalled-interval'): number | undefined =>
    typeof values[flag] === 'string' ? durationFlag(`--${flag}`, values[flag]) : undefined;
  const lockDuration = duration('lock-duration');
  const stalledInterval = duration('stalled-interval');

  let apiKey = account.envKey;
  if (account.apiKeyFile !== undefined)
    apiKey = (await readFile(account.apiKeyFile, 'utf8')).trim();
  if (apiKey === undefined) {
    if (account.baseUrl === undefined) {
      throw new InvalidOptionTypeError({
        option: '--base-url',
        expected: `a solver the whole fleet shares (set ${account.keyVariable} or --api-key-file for the real service, or give --base-url of a running \`backpressure-kit mock\`; a mock per worker would not share one account's threads)`,
        received: undefined,
      });
    }
    apiKey = DEFAULT_MOCK_KEY;
  }

  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const solver = createSolver({
    apiKey,
    provider: account.provider,
    ...(account.baseUrl === undefined ? {} : { baseUrl: account.baseUrl }),
    ...(pipelineFlags.pollIntervalMs === undefined
      ? {}
      : { pollInterval: pipelineFlags.pollIntervalMs }),
    ...(pipelineFlags.firstPollDelayMs === undefined
      ? {}
      : { firstPollDelay: pipelineFlags.firstPollDelayMs }),
    ...(pipelineFlags.timeoutMs === undefined ? {} : { timeout: pipelineFlags.timeoutMs }),
  });
  const rate = pipelineFlags.rate;
  const stage = solveStage<IdentifiedTask>(resumableSolver(solver), {
    max: pipelineFlags.max,
    ...(pipelineFlags.retries === undefined ? {} : { retries: pipelineFlags.retries }),
    ...(pipelineFlags.resubmits === undefined
      ? {}
      : { resubmitUnsolvable: pipelineFlags.resubmits }),
    breaker: {
      ...(pipelineFlags.breakerFailures === undefined
        ? {}
        : { failureThreshold: pipelineFlags.breakerFailures }),
      ...(pipelineFlags.breakerResetMs === undefined
        ? {}
        : { resetTimeout: pipelineFlags.breakerResetMs }),
    },
    ...(rate === undefined
      ? {}
      : {
          rateLimit:
            rate === false ? false : { ...rate, burst: Math.max(1, Math.ceil(rate.rate / 2)) },
        }),
  });
  const jobs = queueSource<IdentifiedTask>(name, {
    connection,
    signal: stop.signal,
    ...(lockDuration === undefined ? {} : { lockDuration }),
    ...(stalledInterval === undefined ? {} : { stalledInterval }),
    onRedisWarning: (warning) => console.error(`warning: ${warning}`),
  });
  if (globalConcurrency !== undefined) await jobs.queue.setGlobalConcurrency(globalConcurrency);
  const disposePause = pauseFleetWhileOpen(stage.breaker, jobs.queue, {
    onError: (error) => console.error(`could not pause the fleet: ${(error as Error).message}`),
  });
  const disposeBreakerLog = stage.breaker.onStateChange((state) =>
    console.log(`work: breaker ${state}`),
  );
  const settle = settleJobs(stage, {
    onSettleError: (error, job) =>
      console.error(`job ${job.id}: could not settle (${(error as Error).message})`),
  });
  console.log(
    `work: ready (queue ${name}, max ${pipelineFlags.max}${globalConcurrency === undefined ? '' : `, global concurrency ${globalConcurrency}`})`,
  );
  let solved = 0;
  let failed = 0;
  try {
    for await (const record of settle(jobs, { signal: stop.signal })) {
      if (record.status === 'solved') solved++;
      else failed++;
      if ((solved + failed) % 50 === 0)
        console.log(`work: settled ${solved + failed} (holding ${jobs.stats().held})`);
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    disposePause();
    disposeBreakerLog();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await jobs.close();
    await solver.close();
    console.log(
      `work: stopped after ${solved} solved, ${failed} failed, ${jobs.stats().redelivered} redelivered`,
    );
  }
  return EXIT.finished;
}
