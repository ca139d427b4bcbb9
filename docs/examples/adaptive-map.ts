import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { adaptiveMap, kneeLimit } from 'backpressure-kit';

// A toy solver with 8 threads that answers "no slot" beyond them, as CaptchaAI does.
class NoSlotError extends Error {}
let busy = 0;
async function solve(task: number, { signal }: { signal: AbortSignal }): Promise<string> {
  if (busy >= 8) throw new NoSlotError('ERROR_NO_SLOT_AVAILABLE');
  busy++;
  try {
    await sleep(5, undefined, { signal });
    return `token-${task}`;
  } finally {
    busy--;
  }
}

const solveAll = adaptiveMap(solve, {
  max: 20, // the most we would ever run; the stage finds the real capacity below it
  algorithm: kneeLimit({ windowMinMs: 50 }), // calls take ms here, so decide every 50 ms, not 1 s
  classify: ({ error }) =>
    error === undefined ? 'success' : error instanceof NoSlotError ? 'drop' : 'failure',
  retryDelayMs: 5, // dropped tasks are retried after a jittered backoff; none is lost
});

const tasks = Array.from({ length: 400 }, (_, i) => i);
let tokens = 0;
for await (const token of solveAll(tasks)) if (token.startsWith('token-')) tokens++;

const { limit, dropped, succeeded } = solveAll.stats();
console.log(`${tokens} tokens; limit settled at ${limit}; ${dropped} no-slot answers retried`);
assert.equal(tokens, 400); // no task was lost
assert.equal(succeeded, 400);
assert.ok(limit <= 20); // never above max
