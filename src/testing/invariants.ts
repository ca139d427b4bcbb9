import { InvariantViolation } from './invariant-violation.js';
import type { VirtualClock } from './virtual-clock.js';

const show = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

/** One item a pipeline let go on purpose, with the reason it gave (for example a `DropReason`). */
export interface DroppedItem<T> {
  /** The input dropped. */
  readonly item: T;
  /** Why, in the stage's words (`'full'`, `'evicted'`, …). */
  readonly reason: string;
}

/** What {@link checkConservation} compares. */
export interface ConservationRecord<T, O = T> {
  /** Every item the producer made, in order. */
  readonly inputs: readonly T[];
  /** What came out at the end, in the order it came. */
  readonly outputs: readonly O[];
  /** Items let go on purpose, each with its reason. @default [] */
  readonly drops?: readonly DroppedItem<T>[];
  /**
   * Maps an output back to the input it came from (for example `(answer) => answer.item`).
   * @default the output itself
   */
  readonly inputOf?: (output: O) => T;
  /** Drop reasons allowed; any other is a violation. @default any reason */
  readonly allowedReasons?: readonly string[];
}

/** The totals {@link checkConservation} found: each input is in exactly one of them. */
export interface ConservationSummary {
  /** Inputs that came out. */
  readonly emitted: number;
  /** Inputs dropped, by reason. */
  readonly droppedByReason: Readonly<Record<string, number>>;
}

/**
 * Conservation (invariant 1 of docs/architecture.md): every input is accounted for exactly
 * once, either in the outputs or among the drops, and nothing else appears. Inputs are
 * compared with `Object.is` (after `inputOf`), so give distinct inputs (numbers or objects).
 *
 * @throws InvariantViolation('conservation') naming the first lost, duplicated or unknown item,
 *   or a drop reason outside `allowedReasons`.
 * @example
 * ```ts
 * const { droppedByReason } = checkConservation({ inputs, outputs, drops });
 * ```
 */
export function checkConservation<T, O = T>(record: ConservationRecord<T, O>): ConservationSummary {
  const { inputs, outputs, drops = [], allowedReasons } = record;
  const inputOf = record.inputOf ?? ((output: O) => output as unknown as T);
  const seen = new Map<T, string>();
  for (const input of inputs) {
    if (seen.has(input)) {
      throw new InvariantViolation('conservation', `input ${show(input)} is given twice`);
    }
    seen.set(input, '');
  }
  const account = (item: T, where: string): void => {
    const before = seen.get(item);
    if (before === undefined) {
      throw new InvariantViolation('conservation', `${where} ${show(item)} is not an input`);
    }
    if (before !== '') {
      throw new InvariantViolation(
        'conservation',
        `input ${show(item)} is accounted for twice: ${before}, then ${where}`,
      );
    }
    seen.set(item, where);
  };
  for (const output of outputs) account(inputOf(output), 'emitted');
  const droppedByReason: Record<string, number> = {};
  for (const { item, reason } of drops) {
    if (allowedReasons && !allowedReasons.includes(reason)) {
      throw new InvariantViolation(
        'conservation',
        `input ${show(item)} was dropped for '${reason}', not one of ${show(allowedReasons)}`,
      );
    }
    account(item, `dropped (${reason})`);
    droppedByReason[reason] = (droppedByReason[reason] ?? 0) + 1;
  }
  const lost = inputs.filter((input) => seen.get(input) === '');
  if (lost.length > 0) {
    throw new InvariantViolation(
      'conservation',
      `${lost.length} of ${inputs.length} inputs vanished (neither emitted nor dropped), first ${show(lost[0])}`,
    );
  }
  return { emitted: outputs.length, droppedByReason };
}

/**
 * Order (invariant 3 of docs/architecture.md): the outputs come in input order. Dropped
 * inputs may be missing (the outputs need only be a subsequence of the inputs).
 *
 * @throws InvariantViolation('order') naming the first output that came too early or too late.
 * @example
 * ```ts
 * checkOrder([1, 2, 3], [1, 3]); // passes: 2 was dropped
 * checkOrder([1, 2, 3], [2, 1]); // throws
 * ```
 */
export function checkOrder<T, O = T>(
  inputs: readonly T[],
  outputs: readonly O[],
  inputOf: (output: O) => T = (output) => output as unknown as T,
): void {
  const position = new Map<T, number>();
  inputs.forEach((input, i) => {
    position.set(input, i);
  });
  let last = -1;
  outputs.forEach((output, i) => {
    const input = inputOf(output);
    const at = position.get(input);
    if (at === undefined) {
      throw new InvariantViolation('order', `output #${i} ${show(input)} is not an input`);
    }
    if (at <= last) {
      throw new InvariantViolation(
        'order',
        `output #${i} ${show(input)} (input #${at}) came after input #${last}`,
      );
    }
    last = at;
  });
}

/**
 * A counter with a ceiling, for the bounds invariant (invariant 2 of docs/architecture.md):
 * `enter()` when an item starts being held (or a call starts), `leave()` when it stops. The
 * first `enter()` above `max` is recorded with its virtual time; {@link BoundsGauge.check}
 * throws it.
 */
export interface BoundsGauge {
  /** What is counted, as shown in messages. */
  readonly what: string;
  /** The ceiling. */
  readonly max: number;
  /** Held right now. */
  readonly current: number;
  /** The most ever held at once. */
  readonly peak: number;
  /** One more is held. */
  enter(): void;
  /** One fewer is held. Throws an `InvariantViolation('bounds')` when none was. */
  leave(): void;
  /** Throws an `InvariantViolation('bounds')` when the count ever went above `max`. */
  check(): void;
}

/**
 * Makes a {@link BoundsGauge} for `what`, never to exceed `max`. Pass a clock to have a
 * violation say when it happened.
 *
 * @example
 * ```ts
 * const held = boundsGauge('tasks held', 60, clock);
 * // held.enter() when the producer yields a task, held.leave() when the sink has it
 * held.check();
 * ```
 */
export function boundsGauge(what: string, max: number, clock?: { now(): number }): BoundsGauge {
  let current = 0;
  let peak = 0;
  let firstBreach: string | undefined;
  return {
    what,
    max,
    get current() {
      return current;
    },
    get peak() {
      return peak;
    },
    enter() {
      current++;
      if (current > peak) peak = current;
      if (current > max && firstBreach === undefined) {
        firstBreach = `${what}: ${current} held, above the bound of ${max}${clock ? ` at t=${clock.now()}ms` : ''}`;
      }
    },
    leave() {
      if (current === 0) throw new InvariantViolation('bounds', `${what}: left more than entered`);
      current--;
    },
    check() {
      if (firstBreach !== undefined) throw new InvariantViolation('bounds', firstBreach);
    },
  };
}

/**
 * Counts the `'abort'` listeners on one signal, for the cleanup invariant: a stage must
 * remove every listener it added once its run ends. Create it before the signal is handed out.
 */
export interface ListenerProbe {
  /** The signal watched. */
  readonly signal: AbortSignal;
  /** `'abort'` listeners registered right now (once-listeners count until they fire). */
  readonly listeners: number;
}

/**
 * Starts counting the `'abort'` listeners of `signal` (by wrapping its `addEventListener` and
 * `removeEventListener`; standard JavaScript has no way to list them).
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const probe = probeListeners(controller.signal);
 * await consume(stage(source, { signal: controller.signal }));
 * checkCleanup({ listeners: [probe] });
 * ```
 */
export function probeListeners(signal: AbortSignal): ListenerProbe {
  const registered = new Map<unknown, boolean>(); // listener → added with { once: true }
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  const isOnce = (options: unknown): boolean =>
    typeof options === 'object' &&
    options !== null &&
    (options as { once?: boolean }).once === true;
  Object.defineProperty(signal, 'addEventListener', {
    configurable: true,
    value: (type: string, listener: unknown, options?: unknown) => {
      // A once-listener added after the abort never fires and holds nothing: not counted.
      if (type === 'abort' && listener && !(signal.aborted && isOnce(options))) {
        if (!registered.has(listener)) registered.set(listener, isOnce(options));
      }
      add(type, listener as EventListener, options as AddEventListenerOptions);
    },
  });
  Object.defineProperty(signal, 'removeEventListener', {
    configurable: true,
    value: (type: string, listener: unknown, options?: unknown) => {
      if (type === 'abort') registered.delete(listener);
      remove(type, listener as EventListener, options as EventListenerOptions);
    },
  });
  // Once-listeners leave by themselves when the signal fires.
  add('abort', () => {
    for (const [listener, once] of registered) if (once) registered.delete(listener);
  });
  return {
    signal,
    get listeners() {
      return registered.size;
    },
  };
}

/** What {@link checkCleanup} inspects; give any subset. */
export interface CleanupRecord {
  /** No timer may be pending on this clock. */
  readonly clock?: VirtualClock;
  /** No `'abort'` listener may be left on these signals. */
  readonly listeners?: readonly ListenerProbe[];
  /** Each source's `finally` must have run (`closed`, as an `ArrivalSource` reports it). */
  readonly sources?: readonly {
    /** The source ended (read to the end, or returned). */
    readonly closed: boolean;
  }[];
}

/**
 * Cleanup (invariant 4 of docs/architecture.md), checked per object: no sleep pending on the
 * `VirtualClock`, no listener left on a signal, every source closed. Call it after the pipeline settled (and, for
 * a simulated solver whose callers aborted, the clock need not be advanced: aborted calls leave
 * no timer).
 *
 * @throws InvariantViolation('cleanup') listing every leak found.
 * @example
 * ```ts
 * checkCleanup({ clock, listeners: [probe], sources: [source] });
 * ```
 */
export function checkCleanup(record: CleanupRecord): void {
  const leaks: string[] = [];
  const pending = record.clock?.pendingTimers ?? 0;
  if (pending > 0) {
    leaks.push(
      `${pending} timer(s) still pending on the VirtualClock (next at t=${record.clock?.nextTimerAt()}ms)`,
    );
  }
  record.listeners?.forEach((probe, i) => {
    if (probe.listeners > 0)
      leaks.push(`${probe.listeners} abort listener(s) left on signal #${i}`);
  });
  record.sources?.forEach((source, i) => {
    if (!source.closed) leaks.push(`source #${i} is not closed (its finally did not run)`);
  });
  if (leaks.length > 0) throw new InvariantViolation('cleanup', leaks.join('; '));
}
