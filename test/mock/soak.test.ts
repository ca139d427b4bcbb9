import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startMockSolver } from '../../src/mock/index.js';
import { FAULT_KINDS } from '../../src/mock/resolve-options.js';
import { activeHandles, eventually, KEY, noNewHandles } from './helpers.js';

describe('soak', () => {
  it('survives 5% of every fault kind (half of all requests faulted) under concurrent load, accounting for every request', async () => {
    const before = activeHandles();
    const mock = await startMockSolver({
      keys: { [KEY]: { threads: Number.POSITIVE_INFINITY } },
      timeScale: 0.001,
      latency: { distribution: 'uniform', min: 0, max: 20_000 },
      unsolvableRate: 0.2,
      faults: FAULT_KINDS.map((kind) => ({ kind, rate: 0.05, delay: 5_000 })),
      logSize: 0,
    });
    const agent = new Agent({ connections: 50 });
    let sent = 0;
    let failed = 0;
    let timedOut = 0;
    const post = async (
      path: string,
      body: Record<string, string>,
    ): Promise<string | undefined> => {
      sent++;
      try {
        const res = await request(`${mock.url}${path}`, {
          dispatcher: agent,
          // Short client timeouts (native timers: undici's own are coarse) end hung requests;
          // the mock must cope with clients leaving mid-request.
          signal: AbortSignal.timeout(50),
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ key: KEY, json: '0', ...body }).toString(),
        });
        const text = await res.body.text();
        return res.statusCode === 200 ? text : undefined;
      } catch (error) {
        failed++;
        if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError')
          timedOut++;
        return undefined;
      }
    };
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 8; i++) {
        const submitted = await post('/in.php', {
          method: 'hcaptcha',
          sitekey: 's',
          pageurl: 'https://a.example',
        });
        const id = /^OK\|(\d+)$/.exec(submitted ?? '')?.[1];
        if (!id) continue;
        for (let poll = 0; poll < 20; poll++) {
          const answer = await post('/res.php', { action: 'get', id });
          if (answer !== undefined && answer !== 'CAPCHA_NOT_READY' && answer.startsWith('OK|'))
            break;
          if (answer === 'ERROR_CAPTCHA_UNSOLVABLE') break;
          await new Promise((r) => setTimeout(r, 2));
        }
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    const state = mock.state();
    const routed = Object.values(state.routes).reduce((a, b) => a + b, 0);
    // Every request that did not time out on the client reached the mock and was counted once
    // (one that timed out may have been dropped by the client before it was sent).
    expect(routed).toBeLessThanOrEqual(sent);
    expect(routed).toBeGreaterThanOrEqual(sent - timedOut);
    expect(timedOut).toBeGreaterThan(0);
    for (const kind of FAULT_KINDS) expect(state.faults[kind] ?? 0).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
    expect(state.answers.MOCK_INTERNAL_ERROR).toBeUndefined();
    expect(state.tasks.solved + state.tasks.unsolvable, JSON.stringify(state)).toBeGreaterThan(0);
    expect(state.tasks.created).toBeGreaterThanOrEqual(state.tasks.solved + state.tasks.unsolvable);
    await mock.close();
    await agent.close();
    expect(await eventually(() => noNewHandles(before))).toBe(true);
  });
});
