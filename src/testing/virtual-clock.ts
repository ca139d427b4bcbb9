import { AbortedError } from '../errors.js';
import type { Clock } from '../internal/clock.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
  cancelled: boolean;
}

/** Lets every pending promise callback run: one macrotask turn drains the microtask queue. */
function settle(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  return new Promise<void>((resolve) => {
    if (immediate) immediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/**
 * A deterministic clock for tests and simulations. Time stands still until the test calls
 * {@link VirtualClock.advance}; sleeps then fire in time order (ties in the order they were
 * scheduled) and every promise callback they trigger runs before the next one fires.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const done = clock.sleep(1_000);
 * await clock.advance(1_000); // `done` is resolved now, at virtual time 1000
 * ```
 */
export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError(signal.reason));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        timer.cancelled = true;
        reject(new AbortedError(signal?.reason));
      };
      const timer = this.schedule(Math.max(0, ms), () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of sleeps that have not fired or been aborted. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Virtual time of the next pending sleep, or `undefined` when none. */
  nextTimerAt(): number | undefined {
    this.compact();
    return this.timers[0]?.at;
  }

  /**
   * Moves time forward by `ms`, firing every sleep due on the way in order, and lets all
   * resulting promise callbacks run before returning.
   */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      this.compact();
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.fire();
      await settle();
    }
    this.time = target;
    await settle();
  }

  /**
   * Fires sleeps until none is pending (including ones scheduled meanwhile), at most
   * `maxTimers` of them so a program that always schedules more cannot hang a test.
   */
  async runAll(maxTimers = 100_000): Promise<void> {
    await settle();
    for (let fired = 0; fired < maxTimers; fired++) {
      this.compact();
      const next = this.timers[0];
      if (!next) return;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.fire();
      await settle();
    }
    throw new Error(`VirtualClock.runAll: still busy after ${maxTimers} timers`);
  }

  private schedule(ms: number, fire: () => void): Timer {
    const timer: Timer = { at: this.time + ms, seq: this.seq++, fire, cancelled: false };
    // Keep the list sorted by (at, seq); inserting from the end is cheap for typical use.
    let i = this.timers.length;
    while (i > 0) {
      const prev = this.timers[i - 1]!;
      if (prev.at < timer.at || (prev.at === timer.at && prev.seq < timer.seq)) break;
      i--;
    }
    this.timers.splice(i, 0, timer);
    return timer;
  }

  private compact(): void {
    while (this.timers[0]?.cancelled) this.timers.shift();
  }
}
