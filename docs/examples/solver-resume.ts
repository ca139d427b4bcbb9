import assert from 'node:assert/strict';
import { DEFAULT_MOCK_KEY, startMockSolver } from 'backpressure-kit/mock';
import { createSolver, type Task } from 'backpressure-kit/solver';

const mock = await startMockSolver({ timeScale: 0.001, seed: 2 });
const solver = createSolver({
  apiKey: DEFAULT_MOCK_KEY,
  baseUrl: mock.url,
  firstPollDelay: 20,
  pollInterval: 10,
});
const task: Task = { type: 'turnstile', sitekey: '0x4AAAAAAAA', pageurl: 'https://example.com/' };
const saved: { captchaId?: string } = {}; // in production: a database row, a job's data
try {
  // A first worker submits, persists the id, and stops before the answer (a crash, a deploy).
  const first = new AbortController();
  await solver
    .solve(task, {
      signal: first.signal,
      onSubmitted: (captchaId) => {
        saved.captchaId = captchaId;
        first.abort();
      },
    })
    .catch(() => {});
  // Another worker picks the same task up: no second submit, no second charge.
  const solution = await solver.solve(task, { resumeId: saved.captchaId });
  assert.equal(solution.resumed, true);
  assert.equal(solution.id, saved.captchaId);
  assert.equal(solution.submits, 0); // no second submit, no second charge
} finally {
  await solver.close();
  await mock.close();
}
