import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SAMPLE_IMAGE_BASE64 } from '../../src/mock/index.js';
import { SolverError, SolverTimeoutError, type Task } from '../../src/solver/index.js';
import { expectNoLeaksAfterEach } from './fake-server.js';
import { closeAll, DEFAULT_MOCK_KEY, mockAndSolver } from './with-mock.js';

const tasks: Task[] = [
  {
    type: 'recaptcha-v2',
    sitekey: '6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-',
    pageurl: 'https://example.com/a',
  },
  {
    type: 'recaptcha-v3',
    sitekey: '6Le-v3',
    pageurl: 'https://example.com/b',
    action: 'login',
    minScore: 0.3,
  },
  {
    type: 'hcaptcha',
    sitekey: '10000000-ffff-ffff-ffff-000000000001',
    pageurl: 'https://example.com/c',
  },
  {
    type: 'turnstile',
    sitekey: '0x4AAAAAAABS7vwvV6VFfMcD',
    pageurl: 'https://example.com/d',
    action: 'x',
    data: 'y',
  },
  { type: 'image', body: SAMPLE_IMAGE_BASE64 },
];

expectNoLeaksAfterEach(closeAll);

async function rejection(promise: Promise<unknown>): Promise<SolverError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SolverError);
  expect(inspect(error, { depth: Number.POSITIVE_INFINITY })).not.toContain(DEFAULT_MOCK_KEY);
  return error as SolverError;
}

describe('the client against the mock', () => {
  for (const provider of ['captchaai', '2captcha'] as const) {
    for (const responseFormat of ['json', 'text'] as const) {
      it(`solves every task type (${provider}, ${responseFormat})`, async () => {
        const { mock, solver } = await mockAndSolver(
          {
            provider,
            notReadyText: provider === '2captcha' ? 'CAPTCHA_NOT_READY' : 'CAPCHA_NOT_READY',
            // results kept past a loaded machine's slowest Promise.all (the report below needs
            // the first task's result; 300 s scaled is only 300 ms of real time)
            resultTtl: 10_000_000,
          },
          { responseFormat },
        );
        const results = await Promise.all(tasks.map((t) => solver.solve(t)));
        for (const r of results) {
          expect(r.token.length).toBeGreaterThan(0);
          expect(r.id).toMatch(/^\d+$/);
          expect(r.polls).toBeGreaterThanOrEqual(1);
        }
        const state = mock.state();
        expect(state.tasks.solved).toBe(5);
        expect(state.keyInUrl).toBe(false);
        expect(state.log.every((r) => !r.keyInUrl)).toBe(true);
        expect(state.keys[DEFAULT_MOCK_KEY]!.peakInFlight).toBeLessThanOrEqual(5);
        await expect(solver.report(results[0]!.id, 'good')).resolves.toBeUndefined();
        await expect(solver.balance()).resolves.toBeTypeOf('number');
      });
    }
  }

  it('waits before the first poll and between polls (recorded by the mock)', async () => {
    const { mock, solver } = await mockAndSolver(
      { timeScale: 0.01, latency: { distribution: 'fixed', ms: 10_000 } },
      { firstPollDelay: 20, pollInterval: 8, pollJitter: 0 },
    );
    await solver.solve(tasks[4]!);
    const { polls } = mock.state();
    expect(polls.minFirstPollDelay, JSON.stringify(polls)).toBeGreaterThanOrEqual(19);
    // never faster than pollInterval: the next poll leaves at least 8 ms after the last answer,
    // which came after the mock recorded that poll (how many polls fit depends on the load)
    expect(polls.minGap, JSON.stringify(polls)).toBeGreaterThanOrEqual(7);
    expect(polls.maxPollsPerTask).toBeGreaterThanOrEqual(2);
  });

  it('ERROR_ZERO_BALANCE: overload on captchaai (no free thread), fatal-account on 2captcha (no funds)', async () => {
    {
      const { solver } = await mockAndSolver({
        provider: 'captchaai',
        keys: { [DEFAULT_MOCK_KEY]: { threads: 1 } },
        latency: 1_000_000,
      });
      // the second submit goes out once the first holds the only thread
      let submitted!: () => void;
      const holding = new Promise<void>((resolve) => {
        submitted = resolve;
      });
      const first = solver
        .solve(tasks[4]!, { onSubmitted: () => submitted() })
        .catch(() => undefined);
      await holding;
      const e = await rejection(solver.solve(tasks[4]!));
      expect(e).toMatchObject({ kind: 'overload', providerCode: 'ERROR_ZERO_BALANCE' });
      await closeAll();
      await first;
    }
    {
      const { mock, solver } = await mockAndSolver({
        provider: '2captcha',
        keys: { [DEFAULT_MOCK_KEY]: { balance: 0 } },
      });
      const e = await rejection(solver.solve(tasks[0]!));
      expect(e).toMatchObject({ kind: 'fatal-account', providerCode: 'ERROR_ZERO_BALANCE' });
      // the client refuses further submits by itself
      await rejection(solver.solve(tasks[0]!));
      expect(mock.state().submitsAfterFatal).toBe(0);
    }
  });

  it('a bad key stops at once, far from the IP ban', async () => {
    const { mock, solver } = await mockAndSolver(
      {},
      { apiKey: 'wrongwrongwrongwrongwrongwrong00' },
    );
    for (let i = 0; i < 10; i++) {
      const e = await rejection(solver.solve(tasks[i % 5]!));
      expect(e.kind).toBe('fatal-account');
    }
    const state = mock.state();
    expect(state.routes.in).toBe(1);
    expect(state.bans).toBe(0);
  });

  it('a result fetched after it expired is fatal for the item', async () => {
    const { solver } = await mockAndSolver(
      { latency: 0, resultTtl: 1_000, timeScale: 0.001 },
      { firstPollDelay: 60 },
    );
    const e = await rejection(solver.solve(tasks[4]!));
    expect(e).toMatchObject({
      kind: 'fatal-item',
      providerCode: 'ERROR_WRONG_CAPTCHA_ID',
      phase: 'poll',
    });
  });

  it('an unsolvable task is reported as such', async () => {
    const { solver } = await mockAndSolver({ unsolvableRate: 1 });
    const e = await rejection(solver.solve(tasks[3]!));
    expect(e).toMatchObject({ kind: 'unsolvable', providerCode: 'ERROR_CAPTCHA_UNSOLVABLE' });
  });

  it('HTML 5xx, 429, malformed and empty bodies while polling are survived', async () => {
    const { mock, solver } = await mockAndSolver({
      script: {
        res: [
          { fault: { kind: 'html-5xx', status: 521 } },
          { fault: { kind: 'malformed-json' } },
          { fault: { kind: 'empty-body' } },
          { fault: { kind: 'reset' } },
          { fault: { kind: 'slow-body', delay: 50_000 } },
        ],
      },
      latency: 0,
    });
    const result = await solver.solve(tasks[4]!);
    expect(result.polls).toBeGreaterThanOrEqual(5);
    expect(mock.state().faults).toMatchObject({
      'html-5xx': 1,
      'malformed-json': 1,
      'empty-body': 1,
      reset: 1,
    });
  });

  it('a hanging service: per-request timeouts fire and the deadline holds', async () => {
    const { mock, solver } = await mockAndSolver(
      { faults: [{ kind: 'hang', route: 'res' }] },
      { requestTimeout: 100, timeout: 400 },
    );
    const e = await rejection(solver.solve(tasks[4]!));
    expect(e).toBeInstanceOf(SolverTimeoutError);
    expect((e.cause as SolverError).kind).toBe('transient');
    // each hanging poll was cut by requestTimeout and polling went on until the deadline
    expect(mock.state().routes['res.get']).toBeGreaterThanOrEqual(2);
  });
});
