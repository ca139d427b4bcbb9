import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MOCK_KEY,
  type MockRequestRecord,
  type MockSolver,
  SAMPLE_IMAGE_BASE64,
  startMockSolver,
} from '../../src/mock/index.js';
import { createSolver, type Solver } from '../../src/solver/index.js';

// The mock answers text unless `json=1`; our client must ask for the format it parses,
// explicitly, on every request (issue 8: "keep the client sending json=1").
let mock: MockSolver | undefined;
let solver: Solver | undefined;
afterEach(async () => {
  await solver?.close();
  await mock?.close();
  solver = undefined;
  mock = undefined;
});

describe('our solver client against the mock, in both profiles and both formats', () => {
  for (const provider of ['captchaai', '2captcha'] as const) {
    for (const responseFormat of ['json', 'text'] as const) {
      it(`${provider}, responseFormat ${responseFormat}: every request says json=${responseFormat === 'json' ? 1 : 0}`, async () => {
        const records: MockRequestRecord[] = [];
        mock = await startMockSolver({
          provider,
          keys: { [DEFAULT_MOCK_KEY]: { balance: 5 } },
          timeScale: 0.001,
          latency: 10_000,
          resultTtl: 1e9, // answers never expire mid-test, however slow a loaded machine is
          onRequest: (record) => records.push(record),
        });
        solver = createSolver({
          apiKey: DEFAULT_MOCK_KEY,
          baseUrl: mock.url,
          provider,
          responseFormat,
          firstPollDelay: 5,
          pollInterval: 5,
          requestTimeout: 5_000,
        });
        const pageurl = 'https://example.com/login';
        const solved = await solver.solve({
          type: 'recaptcha-v2',
          sitekey: '6Le-wvkSAAAA',
          pageurl,
        });
        expect(solved.token).toMatch(/^03AFcWeA/);
        expect((await solver.solve({ type: 'image', body: SAMPLE_IMAGE_BASE64 })).token).toMatch(
          /^[a-z0-9]{6}$/,
        );
        expect(await solver.balance()).toBeGreaterThan(0);
        await solver.report(solved.id, 'good');
        const routes = new Set(records.map((r) => r.route));
        expect([...routes].sort()).toEqual(['in', 'res.get', 'res.getbalance', 'res.reportgood']);
        for (const record of records) {
          expect(record.params.json, `${record.route}`).toBe(responseFormat === 'json' ? '1' : '0');
        }
        expect(mock.state().keyInUrl).toBe(false);
      });
    }
  }
});
