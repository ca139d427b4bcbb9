import { isAbortError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import * as validate from '../internal/validate.js';
import { StatsError } from './stats-error.js';
import { type StatsSources, statsSources } from './stats-source.js';

/** One sample: every watched stage's `stats()` snapshot, under the name it was given. */
export type MonitorSample<S extends StatsSources> = {
  [K in keyof S]: ReturnType<S[K]['stats']>;
};

/** When and which sample `onSample` receives. */
export interface MonitorTick {
  /** Clock time the sample was taken. */
  readonly at: number;
  /** Number of the sample: 1 for the first, then 2, 3, … (a skipped interval skips a number). */
  readonly tick: number;
}

/** Options of {@link monitor}. */
export interface MonitorOptions<S extends StatsSources> {
  /** Milliseconds between two samples; the first is taken one interval after the call. From 1 to 2^31 - 1. */
  intervalMs: number;
  /** Receives every sample. Called synchronously on the sampler's turn; keep it cheap. */
  onSample: (sample: MonitorSample<S>, tick: MonitorTick) => void;
  /**
   * Receives what went wrong on a tick, and sampling goes on: a {@link StatsError} for each
   * stage whose `stats()` threw (that tick's `onSample` is skipped, so every sample is whole),
   * or the error `onSample` threw.
   * @default none: the monitor stops at the first error and rethrows it as an uncaught
   * exception, as an `'error'` event with no listener does.
   */
  onError?: ((error: unknown) => void) | undefined;
  /** Stops the monitor, as the disposer does. */
  signal?: AbortSignal | undefined;
  /** Clock for the interval. @default systemClock */
  clock?: Clock | undefined;
}

/**
 * Samples every given stage's `stats()` every `intervalMs` into one object keyed by stage name
 * and hands it to `onSample`: "log queue depth periodically" in one line. Works with any object
 * that has a `stats()` method: every stage, a circuit breaker, a rate limiter, a solver.
 *
 * Returns a disposer: after it is called (or `signal` aborts) no further sample is taken and no
 * timer is left behind. Disposing twice is harmless.
 *
 * Errors: a `stats()` that throws, or an `onSample` that throws, goes to `onError` and the next
 * tick runs as usual; without `onError` the monitor stops and the error is rethrown as an
 * uncaught exception, so a broken monitor never dies silently.
 *
 * Ticks stay on the grid `start + k × intervalMs`: a slow tick does not shift the next ones, and
 * intervals missed entirely (a blocked event loop) are skipped, not replayed.
 *
 * @throws TypeError / RangeError at once for bad options (`intervalMs: 0`, no stages, a stage
 * without `stats()`).
 * @example
 * ```ts
 * const buffer = boundedBuffer<Task>(100);
 * const solve = solveStage(solver, { max: 20 });
 * const stop = monitor({ buffer, solve, breaker: solve.breaker }, {
 *   intervalMs: 5_000,
 *   onSample: (s) => console.log(`queue ${s.buffer.buffered}/${s.buffer.highWaterMark}, in flight ${s.solve.inFlight}/${s.solve.limit}, breaker ${s.breaker.state}`),
 * });
 * await pipeline(tasks, buffer, solve, sink);
 * stop();
 * ```
 */
export function monitor<S extends StatsSources>(stages: S, options: MonitorOptions<S>): () => void {
  const config = parseOptions(stages, options);
  const stopped = new AbortController();
  const dispose = (): void => stopped.abort();
  const { signal } = config;
  if (signal?.aborted) return dispose;
  signal?.addEventListener('abort', dispose, { once: true });
  run(stages, config, stopped.signal).then(
    () => signal?.removeEventListener('abort', dispose),
    (error: unknown) => {
      signal?.removeEventListener('abort', dispose);
      // Nobody to hand the error to: surface it like an unhandled 'error' event.
      queueMicrotask(() => {
        throw error;
      });
    },
  );
  return dispose;
}

interface MonitorConfig<S extends StatsSources> {
  readonly intervalMs: number;
  readonly onSample: (sample: MonitorSample<S>, tick: MonitorTick) => void;
  readonly onError: ((error: unknown) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
}

function parseOptions<S extends StatsSources>(
  stages: S,
  options: MonitorOptions<S>,
): MonitorConfig<S> {
  statsSources('stages', stages);
  const opts = validate.object<MonitorOptions<S>>('options', options);
  const optional = validate.optional;
  return {
    intervalMs: validate.duration('intervalMs', opts.intervalMs, { min: 1 }),
    onSample: validate.func('onSample', opts.onSample),
    onError: optional(opts.onError, undefined, (v) =>
      validate.func<(error: unknown) => void>('onError', v),
    ),
    signal: optional(opts.signal, undefined, (v) => validate.signal('signal', v)),
    clock: optional(opts.clock, systemClock, (v) => validate.clock<Clock>('clock', v)),
  };
}

/** The sampling loop; resolves when stopped, rejects with an error nobody handled. */
async function run<S extends StatsSources>(
  stages: S,
  config: MonitorConfig<S>,
  stopped: AbortSignal,
): Promise<void> {
  const { clock, intervalMs } = config;
  const start = clock.now();
  let tick = 1;
  for (;;) {
    try {
      await clock.sleep(Math.max(0, start + tick * intervalMs - clock.now()), stopped);
    } catch (error) {
      if (stopped.aborted && isAbortError(error)) return;
      throw error;
    }
    if (stopped.aborted) return;
    const at = clock.now();
    for (const error of sampleOnce(stages, config, { at, tick })) {
      // Without onError (or when onError itself throws) the loop ends here.
      if (config.onError === undefined) throw error;
      config.onError(error);
    }
    // Next point on the grid strictly after now: missed intervals are skipped, not replayed.
    tick = Math.max(tick + 1, Math.floor((clock.now() - start) / intervalMs) + 1);
  }
}

/** Reads every stage, calls `onSample` with a whole sample, and returns what went wrong. */
function sampleOnce<S extends StatsSources>(
  stages: S,
  config: MonitorConfig<S>,
  tick: MonitorTick,
): unknown[] {
  const sample: Record<string, object> = {};
  const errors: unknown[] = [];
  for (const name of Object.keys(stages)) {
    try {
      sample[name] = stages[name]!.stats();
    } catch (cause) {
      errors.push(new StatsError(name, cause));
    }
  }
  if (errors.length > 0) return errors;
  try {
    config.onSample(sample as MonitorSample<S>, tick);
  } catch (error) {
    errors.push(error);
  }
  return errors;
}
