import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { breakerGate, circuitBreaker, retry } from 'backpressure-kit';

// A service that is down for its first 5 calls, then recovers.
let calls = 0;
async function solve(task: number): Promise<string> {
  calls++;
  if (calls <= 5) throw new Error('ERROR_SERVICE_DOWN');
  return `token-${task}`;
}

const breaker = circuitBreaker({ failureThreshold: 5, resetTimeout: 50 });
const transitions: string[] = [];
breaker.onStateChange((state, { from, reason }) =>
  transitions.push(`${from} -> ${state} (${reason})`),
);
const guarded = breaker.wrap(solve);

const tokens: string[] = [];
await pipeline(
  [1, 2, 3, 4, 5, 6, 7, 8],
  breakerGate<number>(breaker), // stops pulling while open, wakes by itself after 50 ms
  async function* (tasks: AsyncIterable<number>) {
    for await (const task of tasks) {
      // retry waits for CircuitOpenError.retryAfter: the rest of the open time
      yield await retry(() => guarded(task), { attempts: 10, initialDelay: 1 });
    }
  },
  async (results: AsyncIterable<string>) => {
    for await (const token of results) tokens.push(token);
  },
);

assert.deepEqual(transitions, [
  'closed -> open (failures)',
  'open -> half-open (open-timeout)',
  'half-open -> closed (trials-succeeded)',
]);
assert.equal(tokens.length, 8); // no work lost
assert.equal(breaker.state, 'closed');
// While open, the breaker refused calls without running them (how many depends on timing).
assert.ok(breaker.stats().rejected >= 1);
