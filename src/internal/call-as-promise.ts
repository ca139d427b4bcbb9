/**
 * Calls `call` and answers its result as a promise: a value or a thenable it returns, or a
 * rejection for what it throws synchronously, so callers handle both failures in one place.
 */
export function callAsPromise<T>(call: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}
