import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  adaptiveMap,
  breakerGate,
  CircuitOpenError,
  circuitBreaker,
  rateLimit,
} from 'backpressure-kit';

interface Task {
  id: number;
}
class SolverError extends Error {}

// A stand-in for the solver client (see backpressure-kit/solver for the real one).
async function solve(task: Task, { signal }: { signal: AbortSignal }): Promise<string> {
  await sleep(2, undefined, { signal });
  return `token-${task.id}`;
}

// 1. The breaker tells "broken" (stop) from "overloaded" (slow down) and "fatal" (isolate).
const breaker = circuitBreaker({
  failureThreshold: 5,
  resetTimeout: 30_000,
  halfOpen: { trials: 3, concurrency: 1, deadlineMs: 120_000 },
  isFailure: (error) => {
    const code = error instanceof SolverError ? error.message : '';
    if (code === 'ERROR_NO_SLOT_AVAILABLE') return 'overload'; // adaptiveMap's business
    if (code === 'ERROR_ZERO_BALANCE' || code === 'ERROR_WRONG_USER_KEY') return 'fatal';
    return true;
  },
});

const results: string[] = [];
await pipeline(
  Array.from({ length: 5 }, (_, id) => ({ id })),
  // 2. The provider's submit rule (here: at most 55 submits in any 3 s).
  rateLimit<Task>({ rate: 50, interval: 3_000, burst: 5 }),
  // 3. Stop pulling while the service is down; probe with 3 trials, one at a time.
  breakerGate<Task>(breaker, { whenIsolated: 'throw' }),
  // 4. Concurrency that follows the service's capacity; every call goes through the breaker.
  adaptiveMap(breaker.wrap(solve), {
    max: 50,
    classify: ({ error }) =>
      error === undefined
        ? 'success'
        : error instanceof CircuitOpenError ||
            (error instanceof SolverError && error.message === 'ERROR_NO_SLOT_AVAILABLE')
          ? 'drop' // retried later with backoff: nothing is lost
          : 'failure',
  }),
  async (tokens: AsyncIterable<string>) => {
    for await (const token of tokens) results.push(token);
  },
);
assert.equal(results.length, 5); // nothing lost
assert.equal(breaker.state, 'closed');
