import { type Clock, systemClock } from '../internal/clock.js';
import { checkSource } from '../internal/source.js';
import * as validate from '../internal/validate.js';
import type { LimitOutcome } from '../limit/limit-algorithm.js';
import { parseStageLimit } from '../limit/stage-limit-options.js';
import type { Source, StageContext } from '../stage.js';
import { type AdaptiveMapConfig, AdaptiveMapCore } from './adaptive-map-core.js';
import { AdaptiveMapIterator } from './adaptive-map-iterator.js';
import type {
  AdaptiveMapFn,
  AdaptiveMapOptions,
  AdaptiveMapOutcome,
  AdaptiveMapStage,
  SettledResult,
} from './adaptive-map-types.js';

/**
 * A concurrent map whose concurrency limit finds the service's real capacity: it runs `fn`
 * on up to `floor(limit)` items at once, and its `algorithm` (`kneeLimit()` by default) moves
 * the limit with measured latency and overload within the stage's `[min, max]`. It pulls from its source only while a
 * slot is free, so a slow service slows the producer instead of filling memory.
 *
 * - Results come as they finish, or in input order with `ordered: true`.
 * - Each call gets its own `signal`, aborted when the stage stops.
 * - A call classified `drop` (no slot, 429, a timeout) lowers the limit and is retried after
 *   a full-jitter backoff, up to `dropRetries` times; after that the item fails with an
 *   `ItemFailedError` (outcome `drop`). No item is ever silently lost.
 * - A `failure` with `settle: false` (the default) stops pulling, aborts the calls in flight,
 *   closes the source, yields the results that had already finished, then throws an
 *   `ItemFailedError` carrying the item (`cause` = the original error). With `settle: true`
 *   every item yields one `{ status, value | reason, item }` record instead.
 * - Early exit (`break`, `return()`) or an abort of `options.signal` / the `signal` given by
 *   `pipeline()`: no more pulls or retries, every in-flight signal aborts, the source is
 *   returned, and on abort the consumer gets an `AbortError`. No timer or listener is left.
 * - The source's own error reaches the consumer as is, after the calls in flight finished.
 *
 * @throws `TypeError` / `RangeError` at once for a bad option, or for one set twice to
 * different values (`max: 4` with `algorithm: kneeLimit({ max: 3 })`).
 * @example
 * ```ts
 * import { adaptiveMap } from 'backpressure-kit';
 *
 * const solve = adaptiveMap((task: Task, { signal }) => solver.solve(task, { signal }), {
 *   max: 50, // the account's threads
 *   classify: ({ error }) => (error === undefined ? 'success' : isNoSlot(error) ? 'drop' : 'failure'),
 * });
 * for await (const token of solve(tasks)) use(token);
 * console.log(solve.stats().limit);
 * ```
 */
export function adaptiveMap<I, O>(
  fn: AdaptiveMapFn<I, O>,
  options: AdaptiveMapOptions<Awaited<O>> & { settle: true },
): AdaptiveMapStage<I, SettledResult<I, Awaited<O>>>;
export function adaptiveMap<I, O>(
  fn: AdaptiveMapFn<I, O>,
  options?: AdaptiveMapOptions<Awaited<O>> & { settle?: false },
): AdaptiveMapStage<I, Awaited<O>>;
export function adaptiveMap<I, O>(
  fn: AdaptiveMapFn<I, O>,
  options?: AdaptiveMapOptions<Awaited<O>>,
): AdaptiveMapStage<I, Awaited<O> | SettledResult<I, Awaited<O>>>;
export function adaptiveMap<I, O>(
  fn: AdaptiveMapFn<I, O>,
  options: AdaptiveMapOptions<Awaited<O>> = {},
): AdaptiveMapStage<I, unknown> {
  const { config, algorithm, bounds } = parseOptions(fn, options);
  const core = new AdaptiveMapCore(algorithm.create(bounds));
  const run = (source: Source<I>, context?: StageContext): AsyncIterableIterator<unknown> => {
    return new AdaptiveMapIterator<I, Awaited<O>, unknown>(
      checkSource<I>('adaptiveMap', source),
      config,
      core,
      context?.signal,
    );
  };
  return Object.assign(run, {
    stats: () => core.stats(),
    onLimitChange: (listener: (limit: number, previous: number) => void) => {
      validate.func('listener', listener);
      return core.onLimitChange(listener);
    },
  });
}

function parseOptions<I, O>(fn: AdaptiveMapFn<I, O>, options: AdaptiveMapOptions<Awaited<O>>) {
  validate.func('fn', fn);
  const opts = validate.object<AdaptiveMapOptions<Awaited<O>>>('options', options);
  const { algorithm, bounds } = parseStageLimit(opts);
  const retryDelayMs = validate.optional(opts.retryDelayMs, 1000, (v) =>
    validate.duration('retryDelayMs', v),
  );
  const config: AdaptiveMapConfig<I, Awaited<O>> = {
    fn: fn as AdaptiveMapFn<I, Awaited<O>>,
    ordered: validate.optional(opts.ordered, false, (v) => validate.boolean('ordered', v)),
    settle: validate.optional(opts.settle, false, (v) => validate.boolean('settle', v)),
    classify: validate.optional(opts.classify, undefined, (v) =>
      validate.func<(outcome: AdaptiveMapOutcome<Awaited<O>>) => LimitOutcome>('classify', v),
    ),
    dropRetries: validate.optional(opts.dropRetries, 6, (v) =>
      validate.integer('dropRetries', v, { min: 0, allowInfinity: true }),
    ),
    retryDelayMs,
    retryMaxDelayMs: validate.optional(opts.retryMaxDelayMs, Math.max(30_000, retryDelayMs), (v) =>
      validate.duration('retryMaxDelayMs', v, { min: retryDelayMs }),
    ),
    random: validate.optional(opts.random, Math.random, (v) =>
      validate.func<() => number>('random', v),
    ),
    signal: validate.optional(opts.signal, undefined, (v) => validate.signal('signal', v)),
    clock: validate.optional(opts.clock, systemClock, (v) => validate.clock<Clock>('clock', v)),
  };
  return { config, algorithm, bounds };
}
