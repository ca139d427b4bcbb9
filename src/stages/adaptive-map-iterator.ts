import { AbortedError } from '../errors.js';
import { DONE } from '../internal/done.js';
import { noop } from '../internal/noop.js';
import { RingBuffer } from '../internal/ring-buffer.js';
import { onAbort } from '../internal/signal.js';
import { invalidResult, isIteratorResult, openSource } from '../internal/source.js';
import type { LimitOutcome } from '../limit/limit-algorithm.js';
import type { Source } from '../stage.js';
import type { AdaptiveMapConfig, AdaptiveMapCore, SlotWaiter } from './adaptive-map-core.js';
import type { AdaptiveMapCallContext } from './adaptive-map-types.js';
import { ItemFailedError } from './item-failed-error.js';

/** Marker returned by `take()` when the consumer must get `this.deliverError`. */
const ERROR = Symbol('error');

interface Waiter<R> {
  resolve(result: IteratorResult<R>): void;
  reject(error: unknown): void;
}

/**
 * The context one call of `fn` receives (a fresh one per call). Its `AbortController` is
 * created only when `fn` reads `signal`, so calls that never look at it cost no controller.
 */
class CallContext implements AdaptiveMapCallContext {
  controller: AbortController | undefined = undefined;
  /** The run, cleared when the call finished: a signal first read after that is not tracked. */
  run: AdaptiveMapIterator<unknown, unknown, unknown> | undefined;

  constructor(readonly owner: AdaptiveMapIterator<unknown, unknown, unknown>) {
    this.run = owner;
  }

  get runSignal(): AbortSignal {
    return this.owner.sharedSignal();
  }

  get signal(): AbortSignal {
    let controller = this.controller;
    if (!controller) {
      controller = this.controller = new AbortController();
      this.run?.track(this, controller);
    }
    return controller.signal;
  }
}

/**
 * One item on its way through the stage (its attempts, its timing and, when `ordered`, its
 * place in the output window). Tasks are recycled, together with their two pre-bound promise
 * callbacks, so a call costs no closures.
 */
class Task<I> {
  item: I = undefined as I;
  attempts = 0;
  startedAt = 0;
  /** Whether this attempt read the clock when it started (see `AdaptiveMapCore.timeStride`). */
  timed = true;
  context: CallContext | undefined = undefined;
  /** With `ordered`: the result is in `value`. */
  done = false;
  value: unknown = undefined;
  readonly onFulfilled: (value: unknown) => void;
  readonly onRejected: (error: unknown) => void;

  constructor(run: AdaptiveMapIterator<I, unknown, unknown>) {
    this.onFulfilled = (value) => run.complete(this, true, value);
    this.onRejected = (error) => run.complete(this, false, error);
  }
}

/** Idle tasks kept per run for reuse. */
const POOL = 64;

/**
 * One run of an `adaptiveMap` stage over one source: a protocol-direct async iterator (no
 * async generator), which pulls from the source only while fewer than `floor(limit)` calls
 * are in flight and fewer than `floor(limit)` finished results wait for the consumer.
 */
export class AdaptiveMapIterator<I, O, R> implements AsyncIterableIterator<R>, SlotWaiter {
  private readonly syncSource: Iterator<I> | undefined;
  private readonly asyncSource: AsyncIterator<I> | undefined;
  private pulling = false;
  private sourceDone = false;
  private sourceError: { error: unknown } | undefined;
  private stopped = false;
  private stopReason: unknown;
  private deliverError: unknown;
  /** An error for the consumer: `immediate` ones (aborts) jump ahead of waiting results. */
  private pending: { error: unknown; immediate: boolean } | undefined;
  private ended = false;
  private registered = false;
  private pumping = false;
  private repump = false;
  // The parked consumer (the hot path keeps it in two fields); `waiters` holds any extra
  // concurrent next() calls, which for-await never makes.
  private resolveNext: ((result: IteratorResult<R>) => void) | undefined;
  private rejectNext: ((error: unknown) => void) | undefined;
  private readonly waiters: Waiter<R>[] = [];
  /** Unordered results: a ring of `ready` values from `outHead` (its length a power of 2). */
  private out: (R | undefined)[] = new Array<R | undefined>(16).fill(undefined);
  private outHead = 0;
  /** With `ordered`: every task from its pull to its delivery, in input order. */
  private readonly window = new RingBuffer<Task<I>>();
  private ready = 0;
  private inFlight = 0;
  private retryWaiting = 0;
  private readonly retryQueue = new RingBuffer<Task<I>>();
  private readonly live = new Set<CallContext>();
  private readonly pool: Task<I>[] = [];
  private runController: AbortController | undefined;
  private disposeAbort: () => void = noop;
  private returned: Promise<unknown> | undefined;
  // Hot options, copied out of `config`.
  private readonly fn: AdaptiveMapConfig<I, O>['fn'];
  private readonly classify: AdaptiveMapConfig<I, O>['classify'];
  private readonly ordered: boolean;
  private readonly settle: boolean;

  constructor(
    source: Source<I>,
    private readonly config: AdaptiveMapConfig<I, O>,
    private readonly core: AdaptiveMapCore,
    contextSignal: AbortSignal | undefined,
  ) {
    this.fn = config.fn;
    this.classify = config.classify;
    this.ordered = config.ordered;
    this.settle = config.settle;
    const opened = openSource('adaptiveMap', source);
    this.asyncSource = opened.asyncIt;
    this.syncSource = opened.syncIt;
    const disposeOptions = onAbort(config.signal, () => this.abort(config.signal?.reason));
    const disposeContext =
      contextSignal && contextSignal !== config.signal
        ? onAbort(contextSignal, () => this.abort(contextSignal.reason))
        : noop;
    const dispose = () => {
      disposeOptions();
      disposeContext();
    };
    // An already-aborted signal ended the run inside onAbort(), before this line.
    if (this.ended) dispose();
    else this.disposeAbort = dispose;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<R>> {
    if (!this.registered) {
      // Join the stage's runs (which share its limit) only once consumed: a run nobody reads
      // must not start work when another run frees a slot.
      this.registered = true;
      if (!this.stopped) this.core.runs.push(this);
    }
    if (this.resolveNext === undefined) {
      const result = this.take();
      if (result === ERROR) return Promise.reject(this.deliverError);
      if (result !== undefined) {
        if (!result.done) this.pump();
        return Promise.resolve(result);
      }
    }
    return new Promise<IteratorResult<R>>(this.park);
  }

  /** The executor of a `next()` that has to wait (bound once, not a closure per call). */
  private readonly park = (
    resolve: (result: IteratorResult<R>) => void,
    reject: (error: unknown) => void,
  ): void => {
    if (this.resolveNext === undefined) {
      this.resolveNext = resolve;
      this.rejectNext = reject;
      // next() has just found nothing to take; while a pull is pending only a pump of a retry
      // could change that.
      if (this.pulling && this.retryQueue.size === 0) return;
    } else {
      this.waiters.push({ resolve, reject });
    }
    this.pump();
    this.settleWaiters();
  };

  return(): Promise<IteratorResult<R>> {
    this.pending = undefined;
    this.stop(new AbortedError('The consumer stopped reading'));
    this.end();
    const resolve = this.resolveNext;
    this.resolveNext = this.rejectNext = undefined;
    resolve?.(DONE);
    for (const waiter of this.waiters.splice(0)) waiter.resolve(DONE);
    return this.closeSource().then(() => DONE);
  }

  /** Registers a call's lazily created controller, aborting it at once if the run stopped. */
  track(context: CallContext, controller: AbortController): void {
    if (this.stopped) controller.abort(this.stopReason);
    else this.live.add(context);
  }

  /** Starts calls while there is room: retries first, then new items from the source. */
  pump(): void {
    if (this.pumping) {
      this.repump = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.repump = false;
        this.fill();
      } while (this.repump);
    } finally {
      this.pumping = false;
    }
  }

  private fill(): void {
    const core = this.core;
    while (!this.stopped && core.inFlight < core.admitted) {
      if (this.retryQueue.size > 0) {
        this.start(this.retryQueue.shift());
        continue;
      }
      if (this.sourceDone || this.pulling) return;
      // Items sleeping before a retry hold their place: no new work while they wait.
      if (core.inFlight + this.retryWaiting >= core.admitted) return;
      if (this.ready >= Math.max(core.admitted, 1)) return;
      const source = this.syncSource;
      if (source) {
        let result: IteratorResult<I>;
        try {
          result = source.next();
        } catch (error) {
          this.sourceFailed(error);
          return;
        }
        if (!isIteratorResult(result)) {
          this.invalidPull(result);
          return;
        }
        if (result.done) {
          this.sourceDone = true;
          return;
        }
        this.start(this.newTask(result.value));
      } else {
        let pulled: Promise<IteratorResult<I>>;
        try {
          pulled = (this.asyncSource as AsyncIterator<I>).next();
        } catch (error) {
          // A next() that throws is the source's error, like a rejected pull (never a hang).
          this.sourceFailed(error);
          return;
        }
        this.pulling = true;
        // A broken async iterator may answer a plain value: it is checked like any result.
        (pulled instanceof Promise ? pulled : Promise.resolve(pulled)).then(
          this.onPulled,
          this.onPullFailed,
        );
        return;
      }
    }
  }

  private readonly onPulled = (result: IteratorResult<I>): void => {
    this.pulling = false;
    if (this.stopped) return; // pulled after an early exit or abort: the stream has ended
    if (!isIteratorResult(result)) {
      this.invalidPull(result);
      return;
    }
    if (result.done) {
      this.sourceDone = true;
      this.pump();
      this.settleWaiters();
      return;
    }
    // A call that ends at once (sync value, throw) settles the consumer in complete().
    this.start(this.newTask(result.value));
    this.pump();
  };

  private readonly onPullFailed = (error: unknown): void => {
    this.pulling = false;
    if (!this.stopped) this.sourceFailed(error);
  };

  /** The source gave a non-object: return it (it has not ended), then fail like a source error. */
  private invalidPull(received: unknown): void {
    void this.closeSource().catch(noop);
    this.sourceFailed(invalidResult('adaptiveMap', received));
  }

  private sourceFailed(error: unknown): void {
    // In-flight calls still finish and are delivered; the error follows them.
    this.sourceDone = true;
    this.sourceError = { error };
    this.settleWaiters();
  }

  private newTask(item: I): Task<I> {
    const task = this.pool.pop() ?? new Task<I>(this as AdaptiveMapIterator<I, unknown, unknown>);
    task.item = item;
    task.attempts = 0;
    if (this.ordered) {
      task.done = false;
      this.window.push(task);
    }
    return task;
  }

  /** Returns a task whose item has left the stage to the pool. */
  private release(task: Task<I>): void {
    task.item = undefined as I;
    task.value = undefined;
    task.context = undefined;
    if (this.pool.length < POOL) this.pool.push(task);
  }

  private start(call: Task<I>): void {
    const core = this.core;
    core.inFlight++;
    core.started++;
    this.inFlight++;
    call.attempts++;
    const context = new CallContext(this as AdaptiveMapIterator<unknown, unknown, unknown>);
    call.context = context;
    // Reading the clock costs ~50 ns; for sub-50 µs calls only every `timeStride`-th call is
    // timed, the rest borrow the last reading (an earlier time, so drops stay conservative).
    if (--core.untilTimed <= 0 || this.classify !== undefined) {
      core.untilTimed = core.timeStride;
      call.timed = true;
      call.startedAt = core.lastReadAt = this.config.clock.now();
      core.onStart?.(call.startedAt);
    } else {
      call.timed = false;
      call.startedAt = core.lastReadAt;
    }
    let result: O | Promise<O>;
    try {
      result = this.fn(call.item, context);
    } catch (error) {
      this.complete(call, false, error);
      return;
    }
    if (
      result !== null &&
      (typeof result === 'object' || typeof result === 'function') &&
      typeof (result as Promise<O>).then === 'function'
    ) {
      (result as Promise<O>).then(call.onFulfilled, call.onRejected);
    } else {
      this.complete(call, true, result);
    }
  }

  /** A call finished (called by its task's callbacks). */
  complete(call: Task<I>, ok: boolean, outcomeValue: unknown): void {
    const core = this.core;
    const context = call.context!;
    context.run = undefined;
    if (context.controller !== undefined) this.live.delete(context);
    if (this.stopped) {
      // Aborted by us: not a signal about the service, and nobody waits for the result (a
      // controller that saw the start still learns that the call ended).
      if (call.timed && core.onStart !== undefined) {
        const now = this.config.clock.now();
        core.sample(now - call.startedAt, 'ignore', now, call.startedAt);
      }
      core.inFlight--;
      this.inFlight--;
      core.wakeOthers(this);
      return;
    }
    if (call.timed || this.classify !== undefined) {
      this.completeSampled(call, ok, outcomeValue);
      return;
    }
    // An untimed call of a fast stream: no sample, no clock; the result is all that counts.
    core.inFlight--;
    this.inFlight--;
    if (ok) this.succeeded(call, outcomeValue);
    else this.failed(call, outcomeValue);
    if (!this.pulling || this.retryQueue.size !== 0) this.pump();
    if (core.runs.length > 1) core.wakeOthers(this);
    if (this.resolveNext !== undefined) this.settleWaiters();
  }

  /** A call that gives the limit a sample (timed, or sorted by `classify`). */
  private completeSampled(call: Task<I>, ok: boolean, outcomeValue: unknown): void {
    const { core, config } = this;
    const now = config.clock.now();
    const latencyMs = now - call.startedAt;
    let outcome: LimitOutcome;
    if (config.classify) {
      try {
        outcome = config.classify(
          ok ? { value: outcomeValue as O, latencyMs } : { error: outcomeValue, latencyMs },
        );
        if (
          outcome !== 'success' &&
          outcome !== 'drop' &&
          outcome !== 'ignore' &&
          outcome !== 'failure'
        ) {
          throw new TypeError(
            `classify must return 'success', 'ignore', 'drop' or 'failure', got ${String(outcome)}`,
          );
        }
      } catch (error) {
        ok = false;
        outcomeValue = error;
        outcome = 'failure';
      }
    } else {
      outcome = ok ? 'success' : 'failure';
    }
    core.sample(latencyMs, outcome, now, call.startedAt);
    core.inFlight--;
    this.inFlight--;
    if (outcome === 'drop') this.dropped(call, outcomeValue);
    else if (ok && outcome !== 'failure') this.succeeded(call, outcomeValue);
    else {
      this.failed(
        call,
        ok ? new ItemFailedError(call.item, 'failure', call.attempts, outcomeValue) : outcomeValue,
      );
    }
    this.pump();
    if (core.runs.length > 1) core.wakeOthers(this);
    this.settleWaiters();
  }

  private dropped(call: Task<I>, cause: unknown): void {
    const { core, config } = this;
    core.dropped++;
    if (call.attempts > config.dropRetries) {
      this.failed(call, new ItemFailedError(call.item, 'drop', call.attempts, cause));
      return;
    }
    core.retried++;
    this.retryWaiting++;
    // Full jitter: the fewest calls of the jittered backoffs (AWS's comparison of full, equal and decorrelated jitter).
    const cap = Math.min(config.retryMaxDelayMs, config.retryDelayMs * 2 ** (call.attempts - 1));
    const delay = config.random() * cap;
    config.clock.sleep(delay, this.sharedSignal()).then(
      () => {
        this.retryWaiting--;
        if (this.stopped) return;
        this.retryQueue.push(call);
        this.pump();
        this.settleWaiters();
      },
      () => {
        this.retryWaiting--;
      },
    );
  }

  /** An item failed: a rejected record with `settle`, otherwise the end of the run. */
  private failed(call: Task<I>, reason: unknown): void {
    this.core.failed++;
    if (this.settle) {
      this.deliver(call, { status: 'rejected', reason, item: call.item } as R);
      return;
    }
    const error =
      reason instanceof ItemFailedError
        ? reason
        : new ItemFailedError(call.item, 'failure', call.attempts, reason);
    // Results that finished before the failure are still delivered, then the error.
    this.pending = { error, immediate: false };
    this.stop(error);
    void this.closeSource().catch(noop);
  }

  /** A call's value as the consumer sees it: as is, or as a settled result with `settle`. */
  private succeeded(call: Task<I>, value: unknown): void {
    this.core.succeeded++;
    this.deliver(
      call,
      (this.settle ? { status: 'fulfilled', value, item: call.item } : value) as R,
    );
  }

  private deliver(call: Task<I>, result: R): void {
    this.ready++;
    if (this.ordered) {
      call.done = true;
      call.value = result;
    } else {
      const out = this.out;
      if (this.ready > out.length) this.growOut();
      this.out[(this.outHead + this.ready - 1) & (this.out.length - 1)] = result;
      this.release(call);
    }
  }

  private growOut(): void {
    const old = this.out;
    const out = new Array<R | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < old.length; i++) out[i] = old[(this.outHead + i) & (old.length - 1)];
    this.out = out;
    this.outHead = 0;
  }

  /**
   * What the consumer gets now: a result, `ERROR` (then `deliverError` holds it), the end, or
   * `undefined` when it has to wait.
   */
  private take(): IteratorResult<R> | typeof ERROR | undefined {
    const pending = this.pending;
    if (pending?.immediate) return this.raise(pending.error);
    if (this.ready > 0) {
      if (this.ordered) {
        const head = this.window.peek();
        if (head?.done) {
          this.window.shift();
          this.ready--;
          const value = head.value as R;
          this.release(head);
          return { done: false, value };
        }
      } else {
        const out = this.out;
        const head = this.outHead;
        const value = out[head] as R;
        out[head] = undefined;
        this.outHead = (head + 1) & (out.length - 1);
        this.ready--;
        return { done: false, value };
      }
    }
    if (pending) return this.raise(pending.error);
    if (this.stopped) return DONE;
    if (
      this.sourceDone &&
      this.inFlight === 0 &&
      this.retryWaiting === 0 &&
      this.retryQueue.size === 0 &&
      this.ready === 0
    ) {
      const sourceError = this.sourceError;
      this.stop(undefined);
      this.end();
      if (sourceError) return this.raise(sourceError.error);
      return DONE;
    }
    return undefined;
  }

  private raise(error: unknown): typeof ERROR {
    this.pending = undefined;
    this.sourceError = undefined;
    this.deliverError = error;
    this.end();
    return ERROR;
  }

  private settleWaiters(): void {
    while (this.resolveNext !== undefined) {
      const result = this.take();
      if (result === undefined) return;
      const resolve = this.resolveNext;
      const reject = this.rejectNext!;
      const next = this.waiters.length > 0 ? this.waiters.shift() : undefined;
      this.resolveNext = next?.resolve;
      this.rejectNext = next?.reject;
      if (result === ERROR) reject(this.deliverError);
      else resolve(result);
    }
  }

  private abort(reason: unknown): void {
    if (this.ended) return;
    const error = new AbortedError(reason);
    this.pending = { error, immediate: true };
    this.stop(reason);
    void this.closeSource().catch(noop);
    this.settleWaiters();
  }

  /** Stops pulling and retrying, and aborts every in-flight call's signal. Idempotent. */
  private stop(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopReason = reason;
    this.retryQueue.clear();
    for (const context of this.live) context.controller?.abort(reason);
    this.live.clear();
    this.runController?.abort(reason);
    const runs = this.core.runs;
    const index = runs.indexOf(this);
    if (index >= 0) runs.splice(index, 1);
  }

  /** The consumer has seen (or given up on) the end: drop the abort listeners. */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.disposeAbort();
  }

  /**
   * The run's own signal (calls' `runSignal`, retry sleeps), aborted in `stop()`; made at the
   * first use, aborted at once when the run already stopped.
   */
  sharedSignal(): AbortSignal {
    let controller = this.runController;
    if (controller === undefined) {
      controller = this.runController = new AbortController();
      if (this.stopped) controller.abort(this.stopReason);
    }
    return controller.signal;
  }

  /** Calls `return()` on the source once, unless it finished by itself. */
  private closeSource(): Promise<unknown> {
    if (this.returned) return this.returned;
    if (this.sourceDone) {
      this.returned = Promise.resolve();
    } else if (this.syncSource) {
      try {
        this.syncSource.return?.();
        this.returned = Promise.resolve();
      } catch (error) {
        this.returned = Promise.reject(error);
      }
    } else {
      try {
        this.returned = Promise.resolve(this.asyncSource?.return?.());
      } catch (error) {
        this.returned = Promise.reject(error);
      }
    }
    return this.returned;
  }
}
