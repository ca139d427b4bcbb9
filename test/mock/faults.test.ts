import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  type MockFaultParameters,
  type MockSolverOptions,
  startMockSolver,
} from '../../src/mock/index.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import {
  KEY,
  KEY2,
  mockPerTest,
  recaptcha,
  recordEvents,
  signallingClock,
  twoKeysNoLatency,
} from './helpers.js';

const start = mockPerTest(twoKeysNoLatency);

const oneFault = (fault: MockFaultParameters): MockSolverOptions => ({
  script: { in: [{ fault }] },
});

describe('faults that replace the answer', () => {
  it('html-5xx: a Cloudflare-like HTML page with the status, request not processed', async () => {
    const { http, mock } = await start(oneFault({ kind: 'html-5xx', status: 521 }));
    const r = await http.submit({ ...recaptcha(), json: '1' });
    expect(r.status).toBe(521);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.text).toContain('<!DOCTYPE html>');
    expect(mock.state()).toMatchObject({ faults: { 'html-5xx': 1 }, tasks: { created: 0 } });
    // The script is used up: the next submit is normal.
    expect((await http.submit({ ...recaptcha(), json: '1' })).status).toBe(200);
  });

  it('http-429 with Retry-After', async () => {
    const { http } = await start(oneFault({ kind: 'http-429', retryAfter: 7 }));
    const r = await http.submit(recaptcha());
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
  });

  it('malformed-json and empty-body', async () => {
    const { http } = await start({
      script: { in: [{ fault: { kind: 'malformed-json' } }, { fault: { kind: 'empty-body' } }] },
    });
    const malformed = await http.submit({ ...recaptcha(), json: '1' });
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text)).toThrow();
    const empty = await http.submit({ ...recaptcha(), json: '1' });
    expect(empty).toMatchObject({ status: 200, text: '' });
  });

  it('api-error answers the given code in the request’s format', async () => {
    const { http } = await start(
      oneFault({ kind: 'api-error', code: 'ERROR_INTERNAL_SERVER_ERROR' }),
    );
    expect(JSON.parse((await http.submit({ ...recaptcha(), json: '1' })).text)).toMatchObject({
      status: 0,
      request: 'ERROR_INTERNAL_SERVER_ERROR',
    });
  });
});

describe('faults on the connection', () => {
  it('reset: the connection is reset before any answer, nothing is processed', async () => {
    const { http, mock } = await start(oneFault({ kind: 'reset' }));
    await expect(http.submit(recaptcha())).rejects.toThrow();
    expect(mock.state()).toMatchObject({ faults: { reset: 1 }, tasks: { created: 0 } });
  });

  it('answer-lost: the submit creates a task and takes a thread, but the client gets a reset', async () => {
    const { http, mock } = await start({ ...oneFault({ kind: 'answer-lost' }), latency: 60_000 });
    await expect(http.submit(recaptcha())).rejects.toThrow();
    const state = mock.state();
    expect(state.tasks).toMatchObject({ created: 1, lost: 1 });
    expect(state.keys[KEY]).toMatchObject({ inFlight: 1, open: 1, accepted: 1 });
    expect(state.answers).toEqual({});
  });

  it('hang: never answers; close() ends the connection and leaves no handle', async () => {
    const events = recordEvents();
    const local = await startMockSolver({
      keys: { [KEY]: {} },
      faults: [{ kind: 'hang' }],
      onRequest: events.onRequest,
    });
    const pending = request(`${local.url}/in.php`, {
      method: 'POST',
      body: new URLSearchParams(recaptcha()).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      reset: true,
    });
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    expect((await events.next((r) => r.fault === 'hang')).route).toBe('in');
    expect(local.connections).toBe(1);
    await local.close();
    expect(await outcome).toBe('failed');
    expect(local.connections).toBe(0);
    expect(local.state().faults.hang).toBe(1);
  });
  it('close() during a slow body ends the response and its pending delay', async () => {
    const virtual = new VirtualClock();
    const local = await startMockSolver({
      clock: virtual,
      keys: { [KEY]: {} },
      latency: 0,
      faults: [{ kind: 'slow-body', delay: 60_000 }],
    });
    const res = await request(`${local.url}/in.php`, {
      method: 'POST',
      body: new URLSearchParams({ ...recaptcha(), json: '0' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      reset: true,
    });
    const body = res.body.text().then(
      () => 'complete',
      () => 'cut',
    );
    expect(virtual.pendingTimers).toBe(1); // the trickle's next piece
    await local.close();
    expect(await body).toBe('cut');
    expect(virtual.pendingTimers).toBe(0);
    expect(local.connections).toBe(0);
  });
});

describe('slow faults (virtual time)', () => {
  it('slow-headers: nothing until the delay, then the normal answer', async () => {
    const virtual = new VirtualClock();
    const { clock, sleepsStarted } = signallingClock(virtual);
    const { http, mock } = await start({
      clock,
      timeScale: 0.1,
      ...oneFault({ kind: 'slow-headers', delay: 10_000 }),
    });
    let done = false;
    const reply = http.submit({ ...recaptcha(), json: '0' }).finally(() => {
      done = true;
    });
    await sleepsStarted(1);
    expect(mock.state().faults['slow-headers']).toBe(1);
    await virtual.advance(999);
    expect(done).toBe(false);
    expect(mock.state().tasks.created).toBe(0);
    await virtual.advance(1);
    expect((await reply).text).toMatch(/^OK\|\d+$/);
    expect(mock.state().tasks.created).toBe(1);
  });

  it('slow-body: headers at once, the body trickles over the delay', async () => {
    const clock = new VirtualClock();
    const { mock } = await start({ clock, ...oneFault({ kind: 'slow-body', delay: 1_000 }) });
    const res = await request(`${mock.url}/in.php`, {
      method: 'POST',
      body: new URLSearchParams({ ...recaptcha(), json: '0' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      reset: true,
    });
    expect(res.statusCode).toBe(200);
    let text = '';
    let ended = false;
    res.body.setEncoding('utf8');
    const first = new Promise<void>((resolve) => res.body.once('data', () => resolve()));
    res.body.on('data', (chunk: string) => {
      text += chunk;
    });
    const end = new Promise<void>((resolve) =>
      res.body.on('end', () => {
        ended = true;
        resolve();
      }),
    );
    await first;
    expect(text).toBe('O');
    await clock.advance(500);
    expect(ended).toBe(false);
    await clock.advance(500);
    await end;
    expect(text).toMatch(/^OK\|\d+$/);
  });
});

describe('random faults', () => {
  it('fire at their rate, reproducibly for a seed, only where they match', async () => {
    const run = async (seed: number) => {
      const { http, mock } = await start({
        seed,
        keys: { [KEY]: { threads: 1_000 }, [KEY2]: {} },
        faults: [
          { kind: 'html-5xx', rate: 0.3, route: 'in' },
          { kind: 'empty-body', rate: 0.2, route: 'in' },
          { kind: 'http-429', rate: 1, route: 'res', action: 'getbalance' },
          { kind: 'api-error', rate: 1, key: KEY2 },
        ],
      });
      const statuses: number[] = [];
      for (let i = 0; i < 300; i++) statuses.push((await http.submit(recaptcha())).status);
      expect((await http.res({ key: KEY, action: 'getbalance' })).status).toBe(429);
      expect((await http.res({ key: KEY, action: 'get', id: '1' })).status).toBe(200);
      const state = mock.state();
      await http.close();
      await mock.close();
      return { statuses, state };
    };
    const a = await run(3);
    const b = await run(3);
    expect(a.statuses).toEqual(b.statuses);
    const html = a.statuses.filter((s) => s === 502).length;
    expect(a.state.faults['html-5xx']).toBe(html);
    expect(a.state.faults['empty-body']).toBe(
      a.state.answers.OK === undefined ? 300 - html : 300 - html - a.state.answers.OK,
    );
    // 300 draws at 0.3: mean 90, sd 7.9.
    expect(html).toBeGreaterThan(55);
    expect(html).toBeLessThan(125);
    expect(a.state.faults['http-429']).toBe(1);
    expect(a.state.faults['api-error']).toBeUndefined();
    // A budget, not an assertion: thousands of requests on a machine shared by parallel suites.
  }, 60_000);

  it('times: a fault fires at most that many times', async () => {
    const { http, mock } = await start({ faults: [{ kind: 'html-5xx', times: 2 }] });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await http.submit(recaptcha())).status);
    expect(statuses).toEqual([502, 502, 200, 200]);
    expect(mock.state().faults['html-5xx']).toBe(2);
  });

  it('configure() replaces the faults at run time', async () => {
    const { http, mock } = await start({});
    expect((await http.submit(recaptcha())).status).toBe(200);
    mock.configure({ faults: [{ kind: 'http-429' }] });
    expect((await http.submit(recaptcha())).status).toBe(429);
    mock.configure({ faults: [] });
    expect((await http.submit(recaptcha())).status).toBe(200);
  });
});
