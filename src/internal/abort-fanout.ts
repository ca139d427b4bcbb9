/**
 * What a fan-out calls once when its signal aborts: a function, or an object with a
 * `handleEvent()` method (as `addEventListener` takes), so a caller that already is an object
 * needs no closure to listen.
 */
export type AbortWatcher = (() => void) | { handleEvent(): void };

/**
 * One `'abort'` listener per signal, however many watchers share it. Node warns
 * (`MaxListenersExceededWarning`) past ten listeners on one `AbortSignal`, and a pipeline
 * commonly hands the same signal to thousands of calls in flight (solves, breaker calls);
 * each registers here instead, in a set the single listener walks. A watcher costs one set
 * entry, where a listener of its own would cost one of Node's listener records (measured:
 * those were 5% of what a solve run promoted to V8's old generation).
 */
export class AbortFanout {
  readonly #bySignal = new WeakMap<AbortSignal, SignalWatchers>();

  /**
   * Calls `watcher` once when `signal` aborts, in the order watchers were added; at once (and
   * returns `false`) if it has aborted already. Adding a watcher twice adds it once.
   */
  add(signal: AbortSignal, watcher: AbortWatcher): boolean {
    if (signal.aborted) {
      notify(watcher);
      return false;
    }
    let watchers = this.#bySignal.get(signal);
    if (watchers === undefined) {
      watchers = new SignalWatchers(this.#bySignal, signal);
      this.#bySignal.set(signal, watchers);
      signal.addEventListener('abort', watchers, { once: true });
    }
    watchers.add(watcher);
    return true;
  }

  /** Stops `watcher` watching `signal`; the signal's listener goes with its last watcher. */
  delete(signal: AbortSignal, watcher: AbortWatcher): void {
    const watchers = this.#bySignal.get(signal);
    if (watchers === undefined || !watchers.delete(watcher) || watchers.size > 0) return;
    signal.removeEventListener('abort', watchers);
    this.#bySignal.delete(signal);
  }
}

/** One signal's watchers, and the signal's one listener (through `handleEvent`). */
class SignalWatchers extends Set<AbortWatcher> {
  constructor(
    private readonly bySignal: WeakMap<AbortSignal, SignalWatchers>,
    private readonly signal: AbortSignal,
  ) {
    super();
  }

  handleEvent(): void {
    this.bySignal.delete(this.signal);
    // A copy: a watcher may add or delete others while they are called.
    for (const watcher of [...this]) notify(watcher);
    this.clear();
  }
}

/**
 * Calls one watcher. One that throws does not keep the others from being called: its error is
 * rethrown in a microtask, where it surfaces as an uncaught exception, as a throwing listener's
 * error does from Node's `EventTarget`.
 */
function notify(watcher: AbortWatcher): void {
  try {
    if (typeof watcher === 'function') watcher();
    else watcher.handleEvent();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** The one fan-out the library shares (a signal may be handed to several solvers and breakers). */
export const sharedAbortFanout = new AbortFanout();
