import { AbortedError } from '../errors.js';

/** Throws an `AbortError` whose cause is the signal's reason when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(signal.reason);
}

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
 * A child `AbortController` that aborts when any parent signal aborts. `dispose()` detaches it
 * from the parents; call it when the child's work ends.
 */
export interface LinkedController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  dispose(): void;
}

/** Creates a {@link LinkedController} that follows every given parent signal. */
export function linkSignals(...parents: (AbortSignal | undefined)[]): LinkedController {
  const controller = new AbortController();
  const disposers: (() => void)[] = [];
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    disposers.push(onAbort(parent, () => controller.abort(parent.reason)));
  }
  return {
    signal: controller.signal,
    abort: (reason?: unknown) => controller.abort(reason),
    dispose: () => {
      for (const dispose of disposers) dispose();
      disposers.length = 0;
    },
  };
}

/**
 * Returns the one signal that aborts when either input does, or `undefined` when there is
 * none, without allocating when only one is present. The disposer detaches listeners.
 */
export function eitherSignal(
  a: AbortSignal | undefined,
  b: AbortSignal | undefined,
): { signal: AbortSignal | undefined; dispose: () => void } {
  if (!a || a === b) return { signal: b, dispose: noop };
  if (!b) return { signal: a, dispose: noop };
  const linked = linkSignals(a, b);
  return { signal: linked.signal, dispose: linked.dispose };
}

function noop(): void {}

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
