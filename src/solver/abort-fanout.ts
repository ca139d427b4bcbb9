import { noop } from '../internal/noop.js';
/**
 * One `'abort'` listener per caller signal, however many calls share it. Node warns
 * (`MaxListenersExceededWarning`) past ten listeners on one `AbortSignal`, and a pipeline
 * commonly hands the same signal to thousands of `solve()` calls; each call registers here
 * instead, in a set the single listener walks.
 */
export class AbortFanout {
  readonly #watchers = new WeakMap<AbortSignal, Set<() => void>>();

  /**
   * Calls `fn` once when `signal` aborts (at once if it has). Returns a disposer; the
   * signal's listener goes when its last watcher does.
   */
  watch(signal: AbortSignal, fn: () => void): () => void {
    if (signal.aborted) {
      fn();
      return noop;
    }
    let set = this.#watchers.get(signal);
    if (set === undefined) {
      const watchers = new Set<() => void>();
      set = watchers;
      this.#watchers.set(signal, watchers);
      const onAbort = (): void => {
        this.#watchers.delete(signal);
        for (const watcher of [...watchers]) watcher();
        watchers.clear();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // Kept on the set so the last disposer can remove the listener.
      listeners.set(watchers, onAbort);
    }
    const watchers = set;
    watchers.add(fn);
    return () => {
      if (!watchers.delete(fn) || watchers.size > 0) return;
      const onAbort = listeners.get(watchers);
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
      listeners.delete(watchers);
      if (this.#watchers.get(signal) === watchers) this.#watchers.delete(signal);
    };
  }
}

const listeners = new WeakMap<Set<() => void>, () => void>();

/** The one fan-out every solver shares (a signal may be handed to several solvers). */
export const sharedAbortFanout = new AbortFanout();
