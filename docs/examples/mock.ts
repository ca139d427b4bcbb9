import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MOCK_KEY, startMockSolver } from 'backpressure-kit/mock';

// A CaptchaAI-like service on 127.0.0.1 and a free port, 1000x faster than the real one.
const mock = await startMockSolver({
  keys: { [DEFAULT_MOCK_KEY]: { threads: 2 } },
  timeScale: 0.001, // a 25 s reCAPTCHA takes 25 ms
  faults: [{ kind: 'html-5xx', rate: 0.2, route: 'res' }], // a flaky res.php
  seed: 42, // the same run every time
});

async function call(path: 'in.php' | 'res.php', params: Record<string, string>) {
  const res = await fetch(`${mock.url}/${path}`, {
    method: 'POST', // the key goes in the body, never in the URL
    body: new URLSearchParams({ key: DEFAULT_MOCK_KEY, json: '1', ...params }),
  });
  if (!res.ok) return undefined; // 502 with an HTML page: retry later
  return (await res.json()) as { status: 0 | 1; request: string | number };
}

try {
  const submit = await call('in.php', {
    method: 'turnstile',
    sitekey: '0x4AAAAAAAA',
    pageurl: 'https://example.com/login',
  });
  let token: string | undefined;
  await sleep(5); // first poll after a short delay, then at an interval
  while (submit?.status === 1 && token === undefined) {
    const answer = await call('res.php', { action: 'get', id: String(submit.request) });
    if (answer?.status === 1) token = String(answer.request);
    else await sleep(5);
  }
  const state = mock.state();
  console.log(token?.slice(0, 12), state.faults); // the token, and the faults it injected
  assert.equal(typeof token, 'string'); // solved, 502 pages on res.php notwithstanding
  assert.equal(state.polls.firstPollDelays.length, 1); // one task, polled after its submit
} finally {
  await mock.close(); // ends every connection; no handle is left behind
}
