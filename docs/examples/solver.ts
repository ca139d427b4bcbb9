import assert from 'node:assert/strict';
import { DEFAULT_MOCK_KEY, startMockSolver } from 'backpressure-kit/mock';
import { createSolver, isSolverError, solveStage, type Task } from 'backpressure-kit/solver';

// A local CaptchaAI-like service, 1000x faster than the real one, where 20% of tasks are
// unsolvable. In production: no mock, no baseUrl, and your own key.
const mock = await startMockSolver({ timeScale: 0.001, unsolvableRate: 0.2, seed: 1 });
const solver = createSolver({
  apiKey: DEFAULT_MOCK_KEY, // process.env.CAPTCHAAI_KEY in production
  baseUrl: mock.url, // default: https://ocr.captchaai.com
  firstPollDelay: 20, // default: 15 s for reCAPTCHA, 5 s for images (real solve times)
  pollInterval: 10, // default: 5 s
});

try {
  // One task: submit, poll, and the token (or a classified error).
  try {
    const { token, polls } = await solver.solve(
      { type: 'turnstile', sitekey: '0x4AAAAAAAA', pageurl: 'https://example.com/login' },
      { signal: AbortSignal.timeout(10_000) },
    );
    console.log(`token of ${token.length} characters after ${polls} polls`);
    assert.ok(token.length > 0 && polls >= 1);
  } catch (error) {
    if (isSolverError(error, 'unsolvable')) console.log('the service gave up on it');
    else throw error;
  }

  // Many tasks: rate limit, breaker and adaptive concurrency in one stage; one record each.
  const tasks: Task[] = Array.from({ length: 20 }, (_, id) => ({
    type: 'recaptcha-v2',
    sitekey: '6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-',
    pageurl: 'https://example.com/login',
    id,
  }));
  const solve = solveStage(solver, { max: 10, retryDelay: 10 });
  let solved = 0;
  let failed = 0;
  for await (const result of solve(tasks)) {
    if (result.status === 'solved')
      solved++; // use result.token now: it expires in ~2 minutes
    else {
      failed++; // result.kind, result.reason: here 'unsolvable' after 2 resubmits
      assert.equal(result.kind, 'unsolvable');
    }
  }
  console.log(`${solved} solved, ${failed} failed, ${solve.stats().resubmits} resubmits`);
  assert.equal(solved + failed, tasks.length); // one record per task
} finally {
  await solver.close();
  await mock.close();
}
