import assert from 'node:assert/strict';
import { hasErrorCode, RetryExhaustedError, retry } from 'backpressure-kit';

class SolverError extends Error {
  constructor(
    readonly code: string,
    readonly retryAfter?: number,
  ) {
    super(code);
  }
}

// Busy twice (the second time it asks us to wait 20 ms), then answers.
let attempts = 0;
async function getResult(): Promise<string> {
  attempts++;
  if (attempts === 1) throw new SolverError('ERROR_NO_SLOT_AVAILABLE');
  if (attempts === 2) throw new SolverError('MAX_USER_TURN', 20);
  return 'token';
}

const token = await retry(() => getResult(), {
  attempts: 4, // in total; then RetryExhaustedError with the last error as its cause
  initialDelay: 5, // full jitter: a random wait in [0, 5·2^(n-1)) ms, at least retryAfter
  retryOn: (error) => !(error instanceof SolverError && error.code === 'ERROR_ZERO_BALANCE'),
});
assert.equal(token, 'token');
assert.equal(attempts, 3);

// An error retryOn rejects is rethrown at once, as it is...
let fatalAttempts = 0;
const fatal = await retry(
  async () => {
    fatalAttempts++;
    throw new SolverError('ERROR_ZERO_BALANCE');
  },
  {
    attempts: 4,
    initialDelay: 1,
    retryOn: (error) => (error as SolverError).code !== 'ERROR_ZERO_BALANCE',
  },
).catch((error: unknown) => error);
assert.equal(fatalAttempts, 1);
assert.equal((fatal as SolverError).code, 'ERROR_ZERO_BALANCE');

// ...and running out of attempts throws a coded error, the last error as its cause.
const failed = await retry(() => Promise.reject(new SolverError('ERROR_CAPTCHA_UNSOLVABLE')), {
  attempts: 2,
  initialDelay: 1,
}).catch((error: unknown) => error);
assert.ok(failed instanceof RetryExhaustedError);
assert.ok(hasErrorCode(failed, 'ERR_BPK_RETRY_EXHAUSTED'));
assert.equal((failed.cause as SolverError).code, 'ERROR_CAPTCHA_UNSOLVABLE');
