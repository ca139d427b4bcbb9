import { AbortedError } from '../errors.js';
import { sharedAbortFanout } from '../internal/abort-fanout.js';
import { type Clock, systemClock } from '../internal/clock.js';

/**
 * What a request listens on to stop: its call. One slot, no emitter or listener list: a call
 * makes its requests one after the other.
 */
export interface StopHook {
  /**
   * Sets the one function to call when the call stops (`undefined` clears it); calls it at
   * once when the call has stopped already.
   */
  onStop(fn: (() => void) | undefined): void;
}

/**
 * One solver call's cancellation: the caller's signal and `solver.close()` both stop it at
 * once, in a pending sleep or a pending request. Built to cost little per task in flight: on
 * the system clock a sleep is one timer and one promise, with no listener on a shared signal;
 * requests listen on the call itself (a {@link StopHook}: one slot, no emitter), and not at
 * all when nothing but `close()` can stop them and it destroys the solver's own Pool, which
 * ends them anyway; an `AbortController` is made only for a sleep on an injected clock.
 */
export class Call implements StopHook {
  /** What a request listens on: the call, or nothing when closing the solver's own Pool suffices. */
  readonly requestSignal: StopHook | undefined;
  /** The listener of the call's current request. */
  #onStop: (() => void) | undefined;
  /** For sleeps on an injected clock, made at the first one. */
  #controller: AbortController | undefined;
  /** The caller's signal, watched (the call itself, through `handleEvent`) until disposed. */
  readonly #userSignal: AbortSignal | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #resume: (() => void) | undefined;
  #stop: Error | undefined;

  /**
   * @param poolEndsRequests - closing the solver destroys its own Pool, which ends the call's
   *   requests: without a caller's signal they need not listen.
   */
  constructor(
    userSignal: AbortSignal | undefined,
    poolEndsRequests: boolean,
    private readonly clock: Clock,
  ) {
    this.requestSignal = userSignal === undefined && poolEndsRequests ? undefined : this;
    this.#userSignal = userSignal;
    // One listener per signal however many calls share it (no MaxListenersExceededWarning).
    if (userSignal !== undefined) sharedAbortFanout.add(userSignal, this);
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.stop(new AbortedError(this.#userSignal?.reason));
  }

  /** The error to throw once stopped (an `AbortError` or a `SolverClosedError`), else undefined. */
  get stopped(): Error | undefined {
    return this.#stop;
  }

  /** Stops the call: aborts its request and wakes its sleep. The first reason wins. */
  stop(reason: Error): void {
    if (this.#stop) return;
    this.#stop = reason;
    const onStop = this.#onStop;
    this.#onStop = undefined;
    onStop?.();
    this.#controller?.abort(reason);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#resume?.();
  }

  onStop(fn: (() => void) | undefined): void {
    if (fn !== undefined && this.#stop) {
      fn();
      return;
    }
    this.#onStop = fn;
  }

  /** Waits `ms` on the clock; rejects with the stop reason when stopped meanwhile. */
  async sleep(ms: number): Promise<void> {
    if (this.#stop) throw this.#stop;
    if (this.clock === systemClock) {
      await new Promise<void>((resolve) => {
        this.#resume = resolve;
        this.#timer = setTimeout(resolve, ms);
      });
      this.#timer = undefined;
      this.#resume = undefined;
    } else {
      this.#controller ??= new AbortController();
      try {
        await this.clock.sleep(ms, this.#controller.signal);
      } catch (error) {
        throw this.#stop ?? error;
      }
    }
    if (this.#stop) throw this.#stop;
  }

  /** Detaches from the caller's signal; call when the work ends. */
  dispose(): void {
    if (this.#userSignal !== undefined) sharedAbortFanout.delete(this.#userSignal, this);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}
