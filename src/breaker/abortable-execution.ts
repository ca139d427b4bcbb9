import { AbortedError } from '../errors.js';
import { sharedAbortFanout } from '../internal/abort-fanout.js';
import type { BreakerPermit } from './breaker-types.js';

/**
 * One `execute()` call that can be aborted: the permit `fn`'s outcome is reported to, the
 * settlers of the promise `execute()` returned, and the caller's abort watcher (the object
 * itself, through `handleEvent`, on the library's shared abort fan-out: one set entry where a
 * listener of its own would cost one of Node's listener records), in one object instead of a
 * closure each, so a call in flight holds little (at thousands of calls a second what it
 * holds is promoted to the old generation). After the caller's abort the permit stays taken
 * while `fn` still runs (so half-open concurrency counts it) and is released without an
 * outcome when `fn` settles.
 */
export class AbortableExecution<R> implements BreakerPermit {
  #callerGaveUp = false;

  /**
   * Watches `signal` (not aborted: `execute()` checked) before `fn` runs, so on the shared
   * fan-out this watcher runs before `fn`'s own on the same signal.
   */
  constructor(
    private readonly permit: BreakerPermit,
    private readonly signal: AbortSignal | undefined,
    /** A half-open trial's own signal for `fn`, aborted with the caller's. */
    private readonly trial: AbortController | undefined,
    /** Cancels the trial's deadline sleep once `fn` settled. */
    private readonly deadline: AbortController | undefined,
    private readonly resolve: (value: R) => void,
    private readonly reject: (reason: unknown) => void,
  ) {
    if (signal !== undefined) sharedAbortFanout.add(signal, this);
  }

  get generation(): number {
    return this.permit.generation;
  }

  get startedAt(): number {
    return this.permit.startedAt;
  }

  get settled(): boolean {
    return this.permit.settled;
  }

  success(): void {
    if (this.#callerGaveUp) this.permit.release();
    else this.permit.success();
  }

  failure(error: unknown): void {
    if (this.#callerGaveUp) this.permit.release();
    else this.permit.failure(error);
  }

  release(): void {
    this.permit.release();
  }

  /** The caller's signal aborted: `execute()` rejects at once; `fn` may still run. */
  handleEvent(): void {
    this.#callerGaveUp = true;
    const reason = this.signal?.reason;
    this.trial?.abort(reason);
    this.reject(new AbortedError(reason));
  }

  /** Waits for `fn`'s outcome (reported to this permit already) and settles the call. */
  async settle(outcome: Promise<R>): Promise<void> {
    let value: R;
    try {
      value = await outcome;
    } catch (error) {
      this.#finish();
      this.reject(error);
      return;
    }
    this.#finish();
    this.resolve(value);
  }

  #finish(): void {
    if (this.signal !== undefined) sharedAbortFanout.delete(this.signal, this);
    this.deadline?.abort();
  }
}
