/**
 * The end of a run, as every stage's `next()` answers it: frozen and shared, so a `next()`
 * after the end allocates nothing.
 */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true,
  value: undefined,
});
