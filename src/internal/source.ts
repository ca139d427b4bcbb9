import { InvalidIteratorResultError, InvalidSourceError } from '../errors.js';
import type { Source } from '../stage.js';

/**
 * Opening a stage's source and reading its results, the same way in every stage: a source
 * that is not iterable, or whose iterator has no `next()`, is refused with an
 * {@link InvalidSourceError}; a `next()` that gives a non-object is caught by
 * {@link isIteratorResult} and reported with {@link InvalidIteratorResultError}.
 */

/** The source's iterator, read either synchronously or asynchronously. */
export type OpenedSource<T> =
  | { readonly asyncIt: AsyncIterator<T>; readonly syncIt: undefined }
  | { readonly asyncIt: undefined; readonly syncIt: Iterator<T> };

function isCallable(value: unknown): boolean {
  return typeof value === 'function';
}

/**
 * Throws an {@link InvalidSourceError} naming `stage` unless `source` is an async iterable or
 * an iterable. Returns it typed, for the stage's `run` to pass on.
 */
export function checkSource<T>(stage: string, source: unknown): Source<T> {
  if (
    source === null ||
    source === undefined ||
    (!isCallable((source as AsyncIterable<T>)[Symbol.asyncIterator]) &&
      !isCallable((source as Iterable<T>)[Symbol.iterator]))
  ) {
    throw new InvalidSourceError(stage, source);
  }
  return source as Source<T>;
}

/**
 * Opens a source (async when it has `Symbol.asyncIterator`, else sync), checking that the
 * iterator it gives has a `next()`.
 */
export function openSource<T>(stage: string, source: Source<T>): OpenedSource<T> {
  const asyncMethod = (source as AsyncIterable<T>)[Symbol.asyncIterator];
  if (isCallable(asyncMethod)) {
    const asyncIt = asyncMethod.call(source) as AsyncIterator<T>;
    checkIterator(stage, asyncIt);
    return { asyncIt, syncIt: undefined };
  }
  const syncIt = (source as Iterable<T>)[Symbol.iterator]();
  checkIterator(stage, syncIt);
  return { asyncIt: undefined, syncIt };
}

function checkIterator(stage: string, iterator: unknown): void {
  if (
    typeof iterator !== 'object' ||
    iterator === null ||
    !isCallable((iterator as Iterator<unknown>).next)
  ) {
    throw new InvalidSourceError(stage, iterator, 'an iterable whose iterator has a next() method');
  }
}

/** True when `result` can be an iterator result (an object); the stages check every pull. */
export function isIteratorResult<T>(result: unknown): result is IteratorResult<T> {
  return typeof result === 'object' && result !== null;
}

/** The error for a `next()` that gave `received` instead of an iterator result. */
export function invalidResult(stage: string, received: unknown): InvalidIteratorResultError {
  return new InvalidIteratorResultError(stage, received);
}

/**
 * Reads a source with the same checks as the stages, for code that consumes a source with a
 * generator rather than a hand-written iterator: its own errors pass through unchanged (the
 * source is not returned then, as with `for await`); a malformed result becomes an
 * {@link InvalidIteratorResultError}; on that, and on early exit, the source is returned.
 */
export async function* readSource<T>(stage: string, source: Source<T>): AsyncGenerator<T> {
  const opened = openSource(stage, source);
  const iterator: AsyncIterator<T> | Iterator<T> = opened.asyncIt ?? opened.syncIt;
  let finished = false;
  try {
    for (;;) {
      let result: unknown;
      try {
        result = await iterator.next();
      } catch (error) {
        finished = true; // the source failed: it has cleaned up after itself
        throw error;
      }
      if (!isIteratorResult<T>(result)) throw invalidResult(stage, result);
      if (result.done === true) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}
