import { AbortedError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import * as validate from '../internal/validate.js';
import type { LimitOutcome } from '../limit/limit-algorithm.js';
import type { AdaptiveMapOutcome } from '../stages/adaptive-map-types.js';
import { seededRandom } from './seeded-random.js';
import { SimulatedSolverError } from './simulated-solver-error.js';
import {
  drawLatency,
  type ResolvedSolverBehaviour,
  resolveSolverBehaviour,
  type SolverBehaviour,
} from './solver-behaviour.js';

/** The token a {@link SimulatedSolver} returns for a solved task, with its timeline. */
export interface SimulatedAnswer<I> {
  /** The task as it was passed to `solve`. */
  readonly item: I;
  /** `token-<n>`, `n` counting accepted tasks from 1. */
  readonly token: string;
  /** Virtual time the service accepted the task. */
  readonly acceptedAt: number;
  /** Virtual time a thread started on it (later than `acceptedAt` when it queued). */
  readonly startedAt: number;
  /** Virtual time the answer arrived. */
  readonly finishedAt: number;
}

/** Counters of a {@link SimulatedSolver}, at the current virtual time. */
export interface SimulatedSolverStats {
  /** Calls of `solve` so far. */
  calls: number;
  /** Calls not yet settled: the concurrency the client is using right now. */
  inFlight: number;
  /** The most calls ever unsettled at once: compare with the client's concurrency limit. */
  peakInFlight: number;
  /** Tasks the service accepted (worked on, or is working on, even if the caller aborted). */
  accepted: number;
  /** Calls answered with a token. */
  solved: number;
  /** Calls failed by the service after working on them (`reason: 'error'`). */
  failed: number;
  /** Calls refused with no slot. */
  noSlot: number;
  /** Calls refused because of an outage. */
  outage: number;
  /** Calls whose caller aborted before the answer arrived. */
  aborted: number;
  /** Threads working right now. Never above `threads`. */
  busyThreads: number;
  /** Accepted tasks waiting for a thread right now. Never above `queueBound`. */
  queued: number;
}

/** Options of {@link simulatedSolver}. */
export interface SimulatedSolverOptions {
  /** The clock the service works on; a `VirtualClock` so a test runs in virtual time. */
  clock: Clock;
}

/**
 * A task the service accepted, as {@link SimulatedSolver.submit} returns it: what the real
 * service's `in.php` answers with an id, and the virtual times the answer will be ready at.
 */
export interface SimulatedTicket<I> {
  /** The submitted item. */
  readonly item: I;
  /** `token-<n>`: the token the task is answered with unless it fails. */
  readonly token: string;
  /** Virtual time the service accepted the task. */
  readonly acceptedAt: number;
  /** Virtual time a thread starts on it (later than `acceptedAt` when it queues). */
  readonly startedAt: number;
  /** Virtual time its answer is ready: solved, or failed with `errorCode`. */
  readonly finishedAt: number;
  /** The provider's error code the task fails with at `finishedAt`, or `undefined` if solved. */
  readonly errorCode: string | undefined;
}

/** A simulated solver service; see {@link simulatedSolver}. */
export interface SimulatedSolver<I> {
  /**
   * Submits `item` and waits for its answer. A plain function (no `this`), so it can be
   * passed as is as the `fn` of `adaptiveMap`.
   */
  readonly solve: (item: I, context?: { signal?: AbortSignal }) => Promise<SimulatedAnswer<I>>;
  /**
   * Submits `item` without waiting for its answer, as the real service's `in.php` does: the
   * ticket of an accepted task, or the reason it was refused (`'no-slot'`, `'outage'`; the
   * caller should answer a refusal after `behaviour.rejectMs`). Counts the call, and the
   * acceptance or refusal; a ticket's outcome is counted by {@link SimulatedSolver.settle}.
   * `solve` is `submit`, a wait until `finishedAt`, and `settle`.
   */
  submit(item: I): SimulatedTicket<I> | 'no-slot' | 'outage';
  /** Counts a ticket's outcome (solved or failed) once its answer is delivered. */
  settle(ticket: SimulatedTicket<I>): void;
  /** Counters at the current virtual time. */
  stats(): SimulatedSolverStats;
  /** The behaviour with defaults filled in. */
  readonly behaviour: ResolvedSolverBehaviour;
}

/**
 * A CAPTCHA-solving service in virtual time, for property tests of pipelines that call one:
 * `threads` workers, a FIFO queue of `queueBound` accepted tasks beyond which a task is refused
 * with no slot, service times drawn from `latency`, a share of tasks failed with the provider
 * codes of `errorCodes`, and outage windows when every task is refused. Latencies and errors
 * come from a seeded generator, so a run replays exactly.
 *
 * As on the real service, an accepted task is worked on to its end: a caller that aborts
 * (its `signal`) gets an `AbortedError` at once and leaves no timer on the clock, but the
 * thread stays busy until the task would have finished. Outages refuse new tasks; tasks already
 * accepted finish.
 *
 * @throws TypeError / RangeError at once for a bad behaviour or a missing clock.
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const solver = simulatedSolver<number>(
 *   { threads: 5, queueBound: 0, latency: { kind: 'constant', ms: 10_000 } },
 *   { clock },
 * );
 * const solve = adaptiveMap(solver.solve, { max: 5, clock });
 * ```
 */
export function simulatedSolver<I>(
  behaviour: SolverBehaviour,
  options: SimulatedSolverOptions,
): SimulatedSolver<I> {
  const config = resolveSolverBehaviour(behaviour);
  const clock = validate.clock<Clock>(
    'options.clock',
    validate.object<SimulatedSolverOptions>('options', options).clock,
  );
  const random = seededRandom(config.seed);
  const origin = clock.now();
  // When each thread next becomes free, and when each accepted-but-queued task will start.
  const freeAt: number[] = new Array(config.threads).fill(Number.NEGATIVE_INFINITY);
  let pendingStarts: number[] = [];
  const counters = {
    calls: 0,
    inFlight: 0,
    peakInFlight: 0,
    accepted: 0,
    solved: 0,
    failed: 0,
    noSlot: 0,
    outage: 0,
    aborted: 0,
  };

  const inOutage = (now: number): boolean =>
    config.outages.some((w) => now - origin >= w.startMs && now - origin < w.endMs);

  const queuedAt = (now: number): number => {
    pendingStarts = pendingStarts.filter((start) => start > now);
    return pendingStarts.length;
  };

  const wait = async (ms: number, signal: AbortSignal | undefined): Promise<void> => {
    try {
      await clock.sleep(ms, signal);
    } catch (error) {
      counters.aborted++;
      throw error;
    }
  };

  const admit = (item: I): SimulatedTicket<I> | 'no-slot' | 'outage' => {
    const acceptedAt = clock.now();
    if (inOutage(acceptedAt)) return 'outage';
    // FIFO: a task takes the thread that frees first; it queues when that is in the future.
    let thread = 0;
    for (let t = 1; t < freeAt.length; t++) if (freeAt[t]! < freeAt[thread]!) thread = t;
    const startedAt = Math.max(acceptedAt, freeAt[thread]!);
    if (startedAt > acceptedAt && queuedAt(acceptedAt) >= config.queueBound) return 'no-slot';
    const finishedAt = startedAt + drawLatency(config.latency, random);
    const fails = random() < config.errorRate;
    const code = config.errorCodes[Math.floor(random() * config.errorCodes.length)]!;
    freeAt[thread] = finishedAt;
    if (startedAt > acceptedAt) pendingStarts.push(startedAt);
    const n = ++counters.accepted;
    return {
      item,
      token: `token-${n}`,
      acceptedAt,
      startedAt,
      finishedAt,
      errorCode: fails ? code : undefined,
    };
  };

  const settle = (ticket: SimulatedTicket<I>): void => {
    if (ticket.errorCode === undefined) counters.solved++;
    else counters.failed++;
  };

  const attempt = async (item: I, signal: AbortSignal | undefined): Promise<SimulatedAnswer<I>> => {
    if (signal?.aborted) {
      counters.aborted++;
      throw new AbortedError(signal.reason);
    }
    const ticket = admit(item);
    if (ticket === 'outage') {
      await wait(config.rejectMs, signal);
      counters.outage++;
      throw new SimulatedSolverError('outage', item, undefined);
    }
    if (ticket === 'no-slot') {
      await wait(config.rejectMs, signal);
      counters.noSlot++;
      throw new SimulatedSolverError('no-slot', item, 'ERROR_NO_SLOT_AVAILABLE');
    }
    await wait(ticket.finishedAt - ticket.acceptedAt, signal);
    settle(ticket);
    if (ticket.errorCode !== undefined) {
      throw new SimulatedSolverError('error', item, ticket.errorCode);
    }
    const { token, acceptedAt, startedAt, finishedAt } = ticket;
    return { item, token, acceptedAt, startedAt, finishedAt };
  };

  const submit = (item: I): SimulatedTicket<I> | 'no-slot' | 'outage' => {
    counters.calls++;
    const ticket = admit(item);
    if (ticket === 'outage') counters.outage++;
    else if (ticket === 'no-slot') counters.noSlot++;
    return ticket;
  };

  const solve = async (
    item: I,
    context?: { signal?: AbortSignal },
  ): Promise<SimulatedAnswer<I>> => {
    counters.calls++;
    counters.inFlight++;
    counters.peakInFlight = Math.max(counters.peakInFlight, counters.inFlight);
    try {
      return await attempt(item, context?.signal);
    } finally {
      counters.inFlight--;
    }
  };

  const stats = (): SimulatedSolverStats => {
    const now = clock.now();
    return {
      ...counters,
      busyThreads: freeAt.filter((free) => free > now).length,
      queued: queuedAt(now),
    };
  };

  return { solve, submit, settle, stats, behaviour: config };
}

/**
 * A `classify` for `adaptiveMap` over a {@link SimulatedSolver}: a token is `'success'`, a
 * no-slot or outage refusal is `'drop'` (the service is overloaded: the limit should shrink),
 * any other error is `'failure'`.
 *
 * @example
 * ```ts
 * adaptiveMap(solver.solve, { max: 50, clock, settle: true, classify: classifySimulatedOutcome });
 * ```
 */
export function classifySimulatedOutcome(outcome: AdaptiveMapOutcome<unknown>): LimitOutcome {
  if (!('error' in outcome) || outcome.error === undefined) return 'success';
  const error = outcome.error;
  if (error instanceof SimulatedSolverError && error.reason !== 'error') return 'drop';
  return 'failure';
}
