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
console.log(token, attempts); // token 3

// A fatal error is rethrown at once; running out of attempts throws a coded error.
const failed = await retry(() => Promise.reject(new SolverError('ERROR_CAPTCHA_UNSOLVABLE')), {
  attempts: 2,
  initialDelay: 1,
}).catch((error: unknown) => error);
console.log(failed instanceof RetryExhaustedError, hasErrorCode(failed, 'ERR_BPK_RETRY_EXHAUSTED'));
if (token !== 'token' || !(failed instanceof RetryExhaustedError)) throw new Error('unexpected');
