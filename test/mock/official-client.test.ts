import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockSolver, SAMPLE_IMAGE_BASE64, startMockSolver } from '../../src/mock/index.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { KEY } from './helpers.js';

// The official client is CommonJS.
const require = createRequire(import.meta.url);
const { Solver } = require('@2captcha/captcha-solver') as {
  Solver: new (
    key: string,
    pollingFrequency?: number,
  ) => {
    recaptcha(p: Record<string, unknown>): Promise<{ data: string; id: string }>;
    hcaptcha(p: Record<string, unknown>): Promise<{ data: string; id: string }>;
    cloudflareTurnstile(p: Record<string, unknown>): Promise<{ data: string; id: string }>;
    imageCaptcha(p: Record<string, unknown>): Promise<{ data: string; id: string }>;
    balance(): Promise<number>;
    goodReport(id: string): Promise<string>;
  };
};

/** The official client pointed at the mock: its endpoints are getters we shadow on the instance. */
function officialClient(mock: MockSolver, pollingFrequency: number) {
  const solver = new Solver(KEY, pollingFrequency);
  Object.defineProperty(solver, 'in', { value: `${mock.url}/in.php` });
  Object.defineProperty(solver, 'res', { value: `${mock.url}/res.php` });
  return solver;
}

let mock: MockSolver | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

describe('the official @2captcha/captcha-solver client against the mock', () => {
  for (const provider of ['2captcha', 'captchaai'] as const) {
    it(`solves every task type (${provider} profile)`, async () => {
      // Mock time moves only when a poll is answered (10 ms each), so every task is ready at
      // its third poll, however fast or slow the client and the machine are.
      let time = 0;
      const unused = new VirtualClock(); // nothing here sleeps: no faults, no solve.php
      mock = await startMockSolver({
        provider,
        keys: { [KEY]: { threads: 10, balance: 5 } },
        clock: { now: () => time, sleep: (ms, signal) => unused.sleep(ms, signal) },
        onRequest: (record) => {
          if (record.route === 'res.get') time += 10;
        },
        latency: 20,
      });
      const solver = officialClient(mock, 5);
      const pageurl = 'https://example.com/form';
      const recaptcha = await solver.recaptcha({ googlekey: '6LfD3PIbAAAAAJs_eEHvo', pageurl });
      expect(recaptcha.data).toMatch(/^03AFcWeA/);
      const v3 = await solver.recaptcha({
        googlekey: '6LfD3PIbAAAAAJs_eEHvo',
        pageurl,
        version: 'v3',
        action: 'verify',
        min_score: 0.3,
      });
      expect(v3.data.length).toBeGreaterThan(100);
      expect((await solver.hcaptcha({ sitekey: 'f7de0da3', pageurl })).data).toMatch(/^P1_/);
      expect((await solver.cloudflareTurnstile({ sitekey: '0x4AAAA', pageurl })).data).toMatch(
        /^0\./,
      );
      expect((await solver.imageCaptcha({ body: SAMPLE_IMAGE_BASE64 })).data).toMatch(
        /^[a-z0-9]{6}$/,
      );
      expect(await solver.goodReport(String(recaptcha.id))).toBe('OK_REPORT_RECORDED');
      expect(await solver.balance()).toBe(provider === '2captcha' ? 4.995 : 5);

      const state = mock.state();
      expect(state.tasks).toMatchObject({ created: 5, solved: 5, unsolvable: 0 });
      // This client sends the key in the query string; the recorder notices.
      expect(state.keyInUrl).toBe(true);
      expect(state.polls.maxPollsPerTask).toBe(3);
      expect(state.routes['res.get']).toBe(15);
      const closing = mock;
      mock = undefined;
      await closing.close();
      expect(closing.connections).toBe(0);
    });
  }

  it('surfaces the configured no-slot answer as its APIError', async () => {
    mock = await startMockSolver({ provider: '2captcha', keys: { [KEY]: { threads: 0 } } });
    const solver = officialClient(mock, 5);
    await expect(
      solver.recaptcha({ googlekey: 'k', pageurl: 'https://example.com' }),
    ).rejects.toThrow(/Captcha Queue exceeded/); // its message for ERROR_NO_SLOT_AVAILABLE
  });
});
