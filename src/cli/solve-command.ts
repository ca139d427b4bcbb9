/**
 * `backpressure-kit solve`: a JSON Lines file of tasks through the production pipeline
 * (`boundedBuffer` or `shed`, then `solveStage`), each record appended the moment its task
 * finishes, watched live, resumable after Ctrl-C or `kill -9`.
 */
import { access, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidOptionValueError, isAbortError } from '../errors.js';
import { monitor } from '../metrics/monitor.js';
import type { MetricsServer } from '../metrics/serve-metrics.js';
import { createSolver, type SolverOptions } from '../solver/create-solver.js';
import { providers } from '../solver/provider.js';
import { SolveRunError } from '../solver/solve-run-error.js';
import { type SolveStageOptions, solveStage } from '../solver/solve-stage.js';
import { isSolverError } from '../solver/solver-error.js';
import { boundedBuffer } from '../stages/bounded-buffer.js';
import { shed } from '../stages/shed.js';
import type { EmbeddedMock } from './embedded-mock.js';
import { EXIT } from './exit-codes.js';
import { JsonlWriter, readRecordedIds } from './jsonl-file.js';
import { MetricsUnavailableError } from './metrics-unavailable-error.js';
import { createProgressView, type ProgressView } from './progress-view.js';
import { serveRunMetrics } from './run-metrics.js';
import { RunStats } from './run-stats.js';
import { DEFAULT_TIME_SCALE, parseSolveArgs, type SolveCommandOptions } from './solve-options.js';
import { droppedRecord, type RejectRecord, toSolveRecord } from './solve-record.js';
import { SOLVE_USAGE } from './solve-usage.js';
import { formatSummary, type SummaryContext } from './summary.js';
import { TaskIdSet } from './task-id-set.js';
import { countLines, type IdentifiedTask, TaskLineReader } from './task-lines.js';

export { EXIT } from './exit-codes.js';

/** Where the command reads, writes and listens; for tests and embedding. */
export interface SolveCommandIo {
  readonly stdin?: Readable;
  readonly stdout?: NodeJS.WriteStream;
  readonly stderr?: NodeJS.WriteStream;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives Ctrl-C; the command listens for `SIGINT` on it. @default process */
  readonly signals?: NodeJS.EventEmitter;
}

/** A run that must stop with exit code 1 and a message (no stack trace). */
class RunFailure extends Error {}

/** The durations the pipeline uses, scaled; `undefined` keeps the library's default. */
function scaledDefaults(scale: number | undefined, o: SolveCommandOptions['pipeline']) {
  const scaled = (ms: number): number | undefined =>
    scale === undefined || scale === 1 ? undefined : ms * scale;
  return {
    firstPollDelay: o.firstPollDelayMs ?? scaled(5_000),
    pollInterval: o.pollIntervalMs ?? scaled(5_000),
    transientDelay: scaled(5_000),
    // The deadline is not scaled: on a loaded machine a scaled one would fail healthy tasks.
    timeout: o.timeoutMs,
    retryDelay: scaled(1_000),
    breakerReset: o.breakerResetMs ?? scaled(30_000),
    rateInterval: scaled(1_000),
  };
}

/** `object` without its `undefined` fields (options take absent, not `undefined`). */
function defined<T extends object>(object: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

interface Account {
  readonly apiKey: string;
  readonly baseUrl: string | undefined;
  readonly mock: EmbeddedMock | undefined;
  /** Scale applied to default durations. */
  readonly scale: number | undefined;
  readonly firstLine: string;
}

async function openAccount(o: SolveCommandOptions, note: (line: string) => void): Promise<Account> {
  const a = o.account;
  let apiKey = a.envKey;
  let keySource = a.keyVariable;
  if (a.apiKeyFile !== undefined) {
    let text: string;
    try {
      text = await readFile(a.apiKeyFile, 'utf8');
    } catch (error) {
      throw new RunFailure(
        `Cannot read --api-key-file ${a.apiKeyFile}: ${(error as Error).message}`,
      );
    }
    apiKey = text.trim();
    keySource = a.apiKeyFile;
    if (apiKey === '') throw new RunFailure(`--api-key-file ${a.apiKeyFile} is empty`);
  }
  const mockFlags = [
    a.mockLatencyMs === undefined ? undefined : '--mock-latency',
    a.mockOutage === undefined ? undefined : '--mock-outage',
  ].filter((flag) => flag !== undefined);
  if (apiKey !== undefined) {
    if (mockFlags.length > 0) {
      throw new InvalidOptionValueError({
        option: mockFlags[0]!,
        expected: 'no mock flag when a key is set (they shape the embedded mock only)',
        received: 'a key',
      });
    }
    if (a.baseUrl === undefined && a.timeScale !== undefined) {
      throw new InvalidOptionValueError({
        option: '--time-scale',
        expected: 'no time scale against the real service (only with the mock or --base-url)',
        received: a.timeScale,
      });
    }
    const where = a.baseUrl ?? providers[a.provider].baseUrl;
    return {
      apiKey,
      baseUrl: a.baseUrl,
      mock: undefined,
      scale: a.timeScale,
      firstLine: `Solving with ${providers[a.provider].label} at ${where} (key from ${keySource}).`,
    };
  }
  if (a.baseUrl !== undefined) {
    throw new InvalidOptionValueError({
      option: '--base-url',
      expected: `a key for it: set ${a.keyVariable} or --api-key-file`,
      received: a.baseUrl,
    });
  }
  const scale = a.timeScale ?? DEFAULT_TIME_SCALE;
  // Loaded only here: a run against a service never loads the mock's HTTP server.
  const { startEmbeddedMock } = await import('./embedded-mock.js');
  const mock = await startEmbeddedMock({
    threads: a.mockThreads,
    timeScale: scale,
    latencyMs: a.mockLatencyMs,
    outage: a.mockOutage,
    onOutage: (state) =>
      note(
        state === 'started'
          ? 'mock: outage started (every submit answers 502)'
          : 'mock: outage over',
      ),
  });
  return {
    apiKey: mock.apiKey,
    baseUrl: mock.mock.url,
    mock,
    scale,
    firstLine: `No ${a.keyVariable} set: solving against the embedded mock solver at ${mock.mock.url} (${a.mockThreads} threads, time x${scale}). Set ${a.keyVariable} or --api-key-file to solve for real.`,
  };
}

/**
 * Runs `backpressure-kit solve` and resolves with its exit code ({@link EXIT}). Usage errors
 * throw the toolkit's option errors (the caller prints them and exits with 2).
 *
 * @example
 * ```ts
 * process.exitCode = await runSolveCommand(['tasks.jsonl', '--out', 'results.jsonl']);
 * ```
 */
export async function runSolveCommand(
  argv: readonly string[],
  io: SolveCommandIo = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const signals = io.signals ?? process;
  const parsed = parseSolveArgs(argv, io.env ?? process.env);
  if (parsed.help) {
    stdout.write(`${SOLVE_USAGE}\n`);
    return EXIT.finished;
  }
  const o = parsed;
  const quiet = o.progress.quiet;
  const say = (line: string): void => {
    if (!quiet) stdout.write(`${line}\n`);
  };
  if (o.input !== '-') {
    try {
      await access(o.input);
    } catch {
      throw new InvalidOptionValueError({
        option: 'tasks file',
        expected: 'a readable file (or - for standard input)',
        received: o.input,
      });
    }
  }

  let view: ProgressView | undefined;
  const note = (line: string): void => (view ? view.note(line) : say(line));
  const account = await openAccount(o, note);
  say(account.firstLine);

  const t = scaledDefaults(account.scale, o.pipeline);
  const solverOptions: SolverOptions = {
    apiKey: account.apiKey,
    ...defined({
      provider: o.account.provider,
      baseUrl: account.baseUrl,
      firstPollDelay: t.firstPollDelay,
      pollInterval: t.pollInterval,
      transientDelay: t.transientDelay,
      timeout: t.timeout,
    }),
  };
  const solver = createSolver(solverOptions);
  const hardStop = new AbortController();
  const rate = o.pipeline.rate;
  const stageOptions: SolveStageOptions = defined({
    max: o.pipeline.max,
    min: o.pipeline.min,
    retries: o.pipeline.retries,
    resubmitUnsolvable: o.pipeline.resubmits,
    retryDelay: t.retryDelay,
    breaker: defined({
      failureThreshold: o.pipeline.breakerFailures,
      resetTimeout: t.breakerReset,
    }),
    rateLimit:
      rate === false
        ? false
        : rate === undefined
          ? t.rateInterval === undefined
            ? undefined
            : { rate: 10, interval: t.rateInterval, burst: 5 }
          : { ...rate, burst: Math.max(1, Math.ceil(rate.rate / 2)) },
    signal: hardStop.signal,
  });
  const stage = solveStage<IdentifiedTask>(solver, stageOptions);

  // A holder, so the SIGINT handler's changes are visible to the type checker.
  const run: { outcome: SummaryContext['outcome'] } = { outcome: 'finished' };
  let exitCode: number = EXIT.finished;
  let out: JsonlWriter | undefined;
  let rejects: JsonlWriter | undefined;
  let reader: TaskLineReader | undefined;
  let stopSampling: (() => void) | undefined;
  let metrics: MetricsServer | undefined;
  let stats: RunStats | undefined;
  let recorded: TaskIdSet | undefined;
  let stopping = false;
  let writeFailure: { error: unknown } | undefined;
  const onSigint = (): void => {
    if (!stopping) {
      stopping = true;
      run.outcome = 'interrupted';
      reader?.close();
      note(
        `Ctrl-C: stopped reading; finishing ${stage.stats().inFlight} task(s) in flight. Ctrl-C again to abort them.`,
      );
      return;
    }
    run.outcome = 'aborted';
    note('Ctrl-C again: aborting the tasks in flight (they will run on the next run).');
    hardStop.abort();
  };
  signals.on('SIGINT', onSigint);

  try {
    const resumed = o.restart
      ? { ids: new TaskIdSet(), tornBytes: 0, byStatus: {}, unreadable: 0 }
      : await readRecordedIds(o.out);
    recorded = resumed.ids;
    if (resumed.ids.size > 0 || resumed.tornBytes > 0) {
      say(
        `Resuming: ${resumed.ids.size} task(s) already in ${o.out} will be skipped${resumed.tornBytes > 0 ? ` (cut a torn last line of ${resumed.tornBytes} bytes: that task runs again)` : ''}.`,
      );
    }
    for (const file of [o.out, o.rejects]) await mkdir(dirname(file), { recursive: true });
    out = JsonlWriter.open(o.out, { truncate: o.restart });
    rejects = JsonlWriter.open(o.rejects, { truncate: true });
    const since = new Map<IdentifiedTask, number>();
    const now = (): number => performance.now();
    const writeOut = out;
    const writeRejects = rejects;

    const shedding = o.pipeline.queue.kind === 'shed';
    const queue = shedding
      ? shed<IdentifiedTask>({
          capacity: o.pipeline.queue.capacity,
          priority: (task) => task.priority ?? 0,
          order: 'priority',
          onDrop: (task, reason) => {
            const started = since.get(task) ?? now();
            since.delete(task);
            // Discarded at a stop: not done, so not recorded; the next run solves it.
            if (reason === 'discarded') return;
            const record = droppedRecord(task.id, reason, now() - started);
            writeOut.queue(record);
            runStats.record(record);
          },
        })
      : boundedBuffer<IdentifiedTask>(o.pipeline.queue.capacity);
    const runStats = new RunStats({ queue: queue.stats, stage: stage.stats, max: o.pipeline.max });
    stats = runStats;
    if (o.input !== '-') {
      countLines(o.input).then(
        (total) => {
          runStats.total = total;
        },
        () => {},
      );
    }
    const lineReader = new TaskLineReader(o.input, resumed.ids, io.stdin ?? process.stdin);
    reader = lineReader;
    const inputName = o.input === '-' ? '(stdin)' : o.input;

    async function* tasks(): AsyncGenerator<IdentifiedTask> {
      let observed = 0;
      for await (const entry of lineReader.lines()) {
        if (entry.kind === 'skip') {
          runStats.skip();
          continue;
        }
        if (entry.kind === 'reject') {
          const record: RejectRecord = {
            file: inputName,
            line: entry.line,
            ...(entry.id === undefined ? {} : { id: entry.id }),
            reason: entry.reason,
          };
          writeRejects.queue(record);
          runStats.reject();
          if (o.strict) {
            throw new RunFailure(
              `${inputName}:${entry.line}: ${entry.reason} (--strict stops at the first bad line)`,
            );
          }
          note(`${inputName}:${entry.line}: rejected: ${entry.reason}`);
          continue;
        }
        // Time in the queue counts for a dropped record only (`feed` restarts the clock).
        if (shedding) since.set(entry.task, now());
        if (++observed % 64 === 0) runStats.observe();
        yield entry.task;
      }
    }

    async function* feed(source: AsyncIterable<IdentifiedTask>): AsyncGenerator<IdentifiedTask> {
      for await (const task of source) {
        // After Ctrl-C, tasks still queued are not started (and not recorded).
        if (stopping) return;
        since.set(task, now());
        yield task;
        runStats.observe();
      }
    }

    view = createProgressView(o.progress.mode, o.progress, { stdout, stderr });
    const activeView = view;
    const stages = { queue, solve: stage };
    if (o.metricsPort !== undefined) {
      metrics = await serveRunMetrics({ ...stages, breaker: stage.breaker }, o.metricsPort);
      note(`Serving metrics at ${metrics.url}`);
    }
    stopSampling = monitor(stages, {
      intervalMs: activeView.intervalMs,
      onSample: (sample) => activeView.update(runStats.sample(sample)),
    });

    try {
      for await (const result of stage(feed(queue(tasks())))) {
        const task = result.task;
        const started = since.get(task) ?? now();
        since.delete(task);
        // A refused account is not the task's fault: leave it unrecorded for the next run.
        if (result.status === 'failed' && result.kind === 'fatal-account') continue;
        const record = toSolveRecord(task.id, result, now() - started);
        writeOut.queue(record);
        runStats.record(record);
      }
    } catch (error) {
      if (error instanceof RunFailure) throw error;
      if (isAbortError(error) && hardStop.signal.aborted) {
        run.outcome = 'aborted';
      } else if (error instanceof SolveRunError) {
        const cause = error.cause;
        if (isSolverError(cause, 'fatal-account')) {
          throw new RunFailure(
            `The service refused the account: ${cause.message}. ` +
              `Check the key (${account.mock ? 'embedded mock' : o.account.apiKeyFile !== undefined ? `in ${o.account.apiKeyFile}` : `in ${o.account.keyVariable}`}) and the account's balance and allowed IPs. ` +
              `Nothing more was submitted; the ${error.unfinished.length} unfinished task(s) run on the next run.`,
          );
        }
        throw new RunFailure(error.message);
      } else throw error;
    }
  } catch (error) {
    if (!(error instanceof RunFailure || error instanceof MetricsUnavailableError)) throw error;
    run.outcome = 'failed';
    exitCode = EXIT.failed;
    stderr.write(`Error: ${error.message}\n`);
  } finally {
    signals.off('SIGINT', onSigint);
    stopSampling?.();
    await metrics?.close();
    reader?.close();
    recorded?.close();
    // Writes what is queued; a failed write is rethrown once everything is closed.
    for (const writer of [out, rejects]) {
      try {
        writer?.close();
      } catch (error) {
        writeFailure ??= { error };
      }
    }
    await solver.close();
    await account.mock?.close();
    if (stats && view) {
      const final = stats.sample();
      view.done(final);
      if (!quiet) {
        for (const line of formatSummary(final, {
          outcome: run.outcome,
          out: o.out,
          rejects: o.rejects,
          reportsSent: 0,
        }))
          stdout.write(`${line}\n`);
      }
    }
  }
  if (writeFailure) throw writeFailure.error;
  if (exitCode === EXIT.finished && (run.outcome === 'interrupted' || run.outcome === 'aborted'))
    exitCode = EXIT.interrupted;
  return exitCode;
}
