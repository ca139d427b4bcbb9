/** What a {@link trackedSource} records about how a stage used it. */
export interface TrackedSourceState {
  /** Items the source has yielded so far (counted as each one is handed out). */
  pulled: number;
  /**
   * The source's `finally` ran: it was read to its end, failed, or the stage called
   * `return()` on it. A stage that stops early must leave this `true`.
   */
  closed: boolean;
}

/** A source made by {@link trackedSource}: the iterable to give a stage, and what it saw. */
export interface TrackedSource<
  T,
  I extends AsyncIterable<T> | Iterable<T> = AsyncIterable<T> | Iterable<T>,
> {
  /** Give this to the stage under test. An async generator, or a sync one with `sync: true`. */
  readonly iterable: I;
  /**
   * Live counters; also a `CleanupRecord` source entry: `checkCleanup({ sources: [s.state] })`.
   */
  readonly state: TrackedSourceState;
}

/** Options of {@link trackedSource}. */
export interface TrackedSourceOptions {
  /**
   * Make a sync generator (the shape of an array or a `function*`) instead of an async one.
   * @default false
   */
  sync?: boolean;
  /** Throw this after the last item, so the stage sees the source fail. @default never fails */
  failWith?: unknown;
}

/**
 * A source over `items` (finite or endless) that records how many items it yielded and
 * whether its `finally` ran: the per-object way to check that a stage closes its source on
 * early exit, abort and failure, and how far it read ahead.
 *
 * @example
 * ```ts
 * const source = trackedSource([1, 2, 3, 4]);
 * for await (const x of stage(source.iterable)) if (x === 2) break;
 * source.state.closed; // true: the stage called return() on its source
 * source.state.pulled; // how far the stage read ahead
 * ```
 */
export function trackedSource<T>(
  items: Iterable<T>,
  options: TrackedSourceOptions & { sync: true },
): TrackedSource<T, Generator<T>>;
export function trackedSource<T>(
  items: Iterable<T>,
  options?: TrackedSourceOptions & { sync?: false },
): TrackedSource<T, AsyncGenerator<T>>;
export function trackedSource<T>(
  items: Iterable<T>,
  options?: TrackedSourceOptions,
): TrackedSource<T, AsyncGenerator<T> | Generator<T>>;
export function trackedSource<T>(
  items: Iterable<T>,
  options: TrackedSourceOptions = {},
): TrackedSource<T, AsyncGenerator<T> | Generator<T>> {
  const state: TrackedSourceState = { pulled: 0, closed: false };
  function* generate(): Generator<T> {
    try {
      for (const item of items) {
        state.pulled++;
        yield item;
      }
      if (options.failWith !== undefined) throw options.failWith;
    } finally {
      state.closed = true;
    }
  }
  if (options.sync === true) return { iterable: generate(), state };
  // The sync generator records; this one makes each pull asynchronous. Returning it returns
  // the sync one (its for-of closes it), so the `finally` runs at the same moment.
  const inner = generate();
  async function* asynchronous(): AsyncGenerator<T> {
    for (const item of inner) yield item;
  }
  return { iterable: asynchronous(), state };
}

/** The endless sequence 0, 1, 2, … (for an endless {@link trackedSource}). */
export function* naturals(): Generator<number> {
  for (let i = 0; ; i++) yield i;
}
