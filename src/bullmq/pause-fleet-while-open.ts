import type { Queue } from 'bullmq';
import type { CircuitBreaker } from '../breaker/breaker-types.js';

/** Options of {@link pauseFleetWhileOpen}. */
export interface PauseFleetOptions {
  /** Called when telling Redis failed (the local breaker still holds this worker). */
  onError?: (error: unknown) => void;
}

/**
 * Makes one worker's breaker stop the whole fleet: whenever `breaker` opens, the queue is
 * rate-limited for the open time (BullMQ's queue-level `queue.rateLimit(ms)`, a key in Redis
 * every worker's fetch checks), so no worker fetches a job until the breaker would turn
 * half-open. Then fetching resumes by itself; the worker whose breaker opened probes the
 * service with its half-open trials, and opens again (pausing the fleet again) if they fail.
 * Returns a disposer that stops listening.
 *
 * Jobs already fetched are not affected: each worker's own gate (or breaker) holds those.
 *
 * @example
 * ```ts
 * const solve = solveStage(solver, { max: 20 });
 * const dispose = pauseFleetWhileOpen(solve.breaker, jobs.queue);
 * ```
 */
export function pauseFleetWhileOpen(
  breaker: CircuitBreaker,
  queue: Pick<Queue, 'rateLimit'>,
  options: PauseFleetOptions = {},
): () => void {
  return breaker.onStateChange((state, change) => {
    if (state !== 'open' || change.openUntil === undefined) return;
    const ms = Math.ceil(change.openUntil - change.at); // listeners run at the transition
    if (ms <= 0) return;
    queue.rateLimit(ms).catch((error: unknown) => options.onError?.(error));
  });
}
