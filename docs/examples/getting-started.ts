import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { boundedBuffer } from 'backpressure-kit';
import { DEFAULT_MOCK_KEY, startMockSolver } from 'backpressure-kit/mock';
import { createSolver, type SolveResult, solveStage, type Task } from 'backpressure-kit/solver';

// 1. A local CaptchaAI-like service, 100x faster than the real one, with 5 threads.
const mock = await startMockSolver({
  keys: { [DEFAULT_MOCK_KEY]: { threads: 5 } },
  timeScale: 0.01,
});

// 2. The client. In production: your key from the environment, and no baseUrl.
const solver = createSolver({
  apiKey: DEFAULT_MOCK_KEY,
  baseUrl: mock.url,
  firstPollDelay: 20, // ms; the defaults (8 s for Turnstile, then every 5 s) suit the real service
  pollInterval: 10,
});

// 3. Your scraper: an async generator of tasks, as fast as it can go.
async function* scrape(): AsyncGenerator<Task> {
  for (let page = 0; page < 30; page++) {
    yield { type: 'turnstile', sitekey: '0x4AAAAAAAA', pageurl: `https://example.com/p/${page}` };
  }
}

// 4. The pipeline: read ahead at most 10 tasks, solve up to 5 at once (the account's threads).
const buffer = boundedBuffer<Task>(10);
const solve = solveStage(solver, { max: 5 });
const tokens: string[] = [];
const failed: string[] = [];
try {
  await pipeline(scrape(), buffer, solve, async (results: AsyncIterable<SolveResult>) => {
    for await (const result of results) {
      if (result.status === 'solved')
        tokens.push(result.token); // use it now: tokens expire
      else failed.push(result.kind); // result.reason says why
    }
  });
} finally {
  await solver.close();
  await mock.close();
}

// 5. What happened: one record per task (solved, or failed with a reason), and the scraper
// waited whenever 10 tasks were buffered: memory stayed bounded.
assert.equal(tokens.length + failed.length, 30);
assert.equal(buffer.stats().peakBuffered, 10);
