// Abort-signal helpers shared by the stages.

import { noop } from './noop.js';

/**
 * Calls `listener` once when `signal` aborts (at once if it already has). Returns a disposer
 * that removes the listener; call it when the work ends so no listener outlives it.
 */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (!signal) return noop;
  if (signal.aborted) {
    listener();
    return noop;
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/**
 * Calls `listener(reason)` once, when the first of `signals` aborts (at once if one already
 * has); the same signal given twice is watched once. Returns a disposer that removes every
 * listener. Stages use it for their own `signal` option and the one `pipeline()` passes.
 */
export function onAnyAbort(
  signals: readonly (AbortSignal | undefined)[],
  listener: (reason: unknown) => void,
): () => void {
  const disposers: (() => void)[] = [];
  let fired = false;
  const seen = new Set<AbortSignal>();
  for (const signal of signals) {
    if (!signal || seen.has(signal)) continue;
    seen.add(signal);
    disposers.push(
      onAbort(signal, () => {
        if (fired) return;
        fired = true;
        listener(signal.reason);
      }),
    );
    if (fired) break;
  }
  return () => {
    for (const dispose of disposers) dispose();
    disposers.length = 0;
  };
}
