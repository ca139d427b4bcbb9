/**
 * The one contract: a stage is a function of an async iterable.
 *
 * That shape is what `pipeline()` from `node:stream/promises` calls with `(source, { signal })`,
 * what it-pipe's `pipe()` calls with `(source)`, what `Duplex.from(stage)` turns into a Node
 * transform, and what a user calls directly in `for await`. No adapters are needed.
 */

/** Anything a stage can read from: an async iterable (streams, generators) or a sync one (arrays). */
export type Source<T> = AsyncIterable<T> | Iterable<T>;

/** What `pipeline()` passes as the second argument. */
export interface StageContext {
  /** Aborts the stage: it stops pulling, returns its source and rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** A pipeline step that reads `I`s from a source and yields `O`s. */
export type Stage<I, O> = (source: Source<I>, context?: StageContext) => AsyncIterable<O>;

/** The item type a stage reads. */
export type StageInput<S> = S extends Stage<infer I, unknown> ? I : never;

/** The item type a stage yields. */
export type StageOutput<S> = S extends Stage<never, infer O> ? O : never;

/**
 * Chains stages into one stage, left to right, with the output type inferred.
 *
 * @example
 * ```ts
 * const solve = compose(boundedBuffer<Task>(50), shed<Task>(20));
 * for await (const task of solve(tasks)) console.log(task);
 * ```
 */
export function compose<A, B>(s1: Stage<A, B>): Stage<A, B>;
export function compose<A, B, C>(s1: Stage<A, B>, s2: Stage<B, C>): Stage<A, C>;
export function compose<A, B, C, D>(s1: Stage<A, B>, s2: Stage<B, C>, s3: Stage<C, D>): Stage<A, D>;
export function compose<A, B, C, D, E>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
): Stage<A, E>;
export function compose<A, B, C, D, E, F>(
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
): Stage<A, F>;
export function compose(...stages: Stage<unknown, unknown>[]): Stage<unknown, unknown>;
export function compose(...stages: Stage<unknown, unknown>[]): Stage<unknown, unknown> {
  return (source, context) => {
    let current: Source<unknown> = source;
    for (const stage of stages) current = stage(current, context);
    return current as AsyncIterable<unknown>;
  };
}

/** True when `source` must be read asynchronously (it has `Symbol.asyncIterator`). */
export function isAsyncSource<T>(source: Source<T>): source is AsyncIterable<T> {
  return typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}
