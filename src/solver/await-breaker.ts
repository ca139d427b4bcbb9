import type { CircuitBreaker } from '../breaker/breaker-types.js';
import { isAbortError } from '../errors.js';
import type { Clock } from '../internal/clock.js';
import { onAbort } from '../internal/signal.js';

/**
 * Waits after the breaker refused a call (`ERR_BPK_CIRCUIT_OPEN`), the way `breakerGate`
 * holds items: until the breaker changes state (open to half-open, half-open to closed or
 * open again) or `ms` pass, whichever comes first. Uses only the breaker's public
 * `onStateChange`, so it cannot drift from the breaker's own notion of admission. The wait
 * spends no retry budget. Rejects with an `AbortError` when `signal` aborts; leaves no timer
 * or listener behind.
 *
 * `ms` is the refusal's `retryAfter` (time left open), at least a jittered fraction of the
 * stage's `retryDelay`, so tasks refused by a half-open breaker whose trial slots are taken
 * (`retryAfter` 0, and the state may stay half-open while slots free up) try again spread out.
 */
export async function awaitBreaker(
  breaker: CircuitBreaker,
  ms: number,
  clock: Clock,
  signal: AbortSignal,
): Promise<void> {
  const wake = new AbortController();
  const stopWatching = breaker.onStateChange(() => wake.abort());
  // The caller's abort also ends the sleep; it is told apart from a wake-up below.
  const stopForwarding = onAbort(signal, () => wake.abort(signal.reason));
  try {
    await clock.sleep(ms, wake.signal);
  } catch (error) {
    if (signal.aborted || !isAbortError(error)) throw error;
  } finally {
    stopWatching();
    stopForwarding();
  }
}
