import { circuitBreaker, hasErrorCode, timeout } from 'backpressure-kit';

// A call that hangs until its signal aborts (a stuck request that honours its signal).
let hungCallsStopped = 0;
function hangingCall(signal: AbortSignal): Promise<string> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => {
      hungCallsStopped++;
      reject(signal.reason);
    });
  });
}

// The time limit goes inside the breaker's wrap, so a timed-out call counts as a failure.
const breaker = circuitBreaker({ failureThreshold: 2, resetTimeout: 1_000 });
const solve = breaker.wrap((task: number) =>
  timeout(
    ({ signal }) => (task === 0 ? hangingCall(signal) : Promise.resolve(`token-${task}`)),
    20,
  ),
);

const first = await solve(1);
console.log(first); // token-1 (in time: the result passes through)
const error = await solve(0).catch((e: unknown) => e);
console.log((error as { code: string; ms: number }).code, (error as { ms: number }).ms); // ERR_BPK_TIMEOUT 20
await solve(0).catch(() => {});
console.log(breaker.state, hungCallsStopped); // open 2: two timeouts in a row opened it; both calls were told to stop

if (first !== 'token-1') throw new Error('expected the in-time result');
if (!hasErrorCode(error, 'ERR_BPK_TIMEOUT') || (error as { ms: number }).ms !== 20) {
  throw new Error('expected a TimeoutError of 20 ms');
}
if (breaker.state !== 'open' || hungCallsStopped !== 2) {
  throw new Error('expected two timeouts to open the breaker and abort both hung calls');
}
