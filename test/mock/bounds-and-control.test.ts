import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { MockRequestRecord } from '../../src/mock/index.js';
import { Recorder } from '../../src/mock/recorder.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { KEY, mockPerTest, recaptcha, twoKeysNoLatency } from './helpers.js';

const start = mockPerTest(twoKeysNoLatency);

async function control(
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
): Promise<number> {
  const res = await request(url, {
    method,
    headers,
    reset: true,
    ...(body === undefined ? {} : { body }),
  });
  await res.body.text();
  return res.statusCode;
}

describe('the control plane refuses what a web page could send', () => {
  const patch = JSON.stringify({ faults: [{ kind: 'http-429' }] });

  it('a cross-origin text/plain or form POST (no preflight in a browser) changes nothing', async () => {
    const { mock } = await start();
    const config = `${mock.url}/__mock/config`;
    const evil = { origin: 'https://evil.example' };
    expect(
      await control(config, 'POST', { ...evil, 'content-type': 'text/plain;charset=UTF-8' }, patch),
    ).toBe(403);
    // Even without an Origin header (old browsers, some redirects), simple types are refused.
    expect(await control(config, 'POST', { 'content-type': 'text/plain' }, patch)).toBe(415);
    expect(
      await control(config, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, patch),
    ).toBe(415);
    expect(
      await control(config, 'POST', { 'content-type': 'multipart/form-data; boundary=x' }, patch),
    ).toBe(415);
    expect(
      await control(`${mock.url}/__mock/reset`, 'POST', { 'content-type': 'text/plain' }, 'x'),
    ).toBe(415);
    expect(await control(`${mock.url}/__mock/reset`, 'POST', evil)).toBe(403);
    expect(
      await control(
        config,
        'POST',
        { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
        patch,
      ),
    ).toBe(403);
    expect(mock.state().routes.control).toBe(7);
    expect(
      (
        await request(`${mock.url}/in.php`, {
          method: 'POST',
          body: new URLSearchParams(recaptcha()).toString(),
          reset: true,
        })
      ).statusCode,
    ).toBe(200);
  });

  it('a page on a rebound host name (Host is not loopback) cannot read or drive it', async () => {
    const { mock } = await start();
    const rebound = { host: `evil.example:${mock.port}` };
    expect(await control(`${mock.url}/__mock/state`, 'GET', rebound)).toBe(403);
    expect(
      await control(
        `${mock.url}/__mock/config`,
        'POST',
        { ...rebound, 'content-type': 'application/json' },
        patch,
      ),
    ).toBe(403);
  });

  it('a local tool (curl, fetch from Node) with a JSON body is accepted, by any loopback name', async () => {
    const { mock } = await start();
    expect(
      await control(
        `${mock.url}/__mock/config`,
        'POST',
        { 'content-type': 'application/json' },
        patch,
      ),
    ).toBe(204);
    expect(
      await control(`${mock.url}/__mock/state`, 'GET', { host: `localhost:${mock.port}` }),
    ).toBe(200);
    expect(await control(`${mock.url}/__mock/state`, 'GET', { origin: mock.url })).toBe(200);
    expect(await control(`${mock.url}/__mock/reset`, 'POST', {})).toBe(204);
    expect(mock.state().routes).toEqual({});
  });
});

function record(params: Record<string, string>): MockRequestRecord {
  return {
    at: 0,
    route: 'in',
    method: 'POST',
    contentType: '',
    keyInUrl: false,
    taskId: undefined,
    answer: 'OK',
    fault: undefined,
    params,
  };
}

describe('the request log is bounded by bytes', () => {
  it('25 requests of 200 KB parameters keep no full value and stay within logBytes', async () => {
    const { http, mock } = await start({ logBytes: 64 * 1024 });
    const huge = 'x'.repeat(100 * 1024);
    for (let i = 0; i < 25; i++) {
      await http.submit({
        ...recaptcha(),
        pageurl: `https://a.example/${i}/${huge}`,
        [`${huge}${i}`]: '1',
      });
    }
    const { log } = mock.state();
    expect(log.length).toBeGreaterThan(0);
    for (const entry of log) {
      for (const [name, value] of Object.entries(entry.params)) {
        expect(name.length).toBeLessThanOrEqual(101);
        expect(value.length).toBeLessThanOrEqual(101);
      }
    }
    expect(log.at(-1)?.params.pageurl).toMatch(/^https:\/\/a\.example\/24\/x+…$/);
  });

  it("Recorder: keeps bounded copies of the parameters, never the request's own strings", () => {
    const recorder = new Recorder(10, 1024 * 1024);
    for (let i = 0; i < 10; i++) {
      recorder.request(record({ key: KEY, body: 'b'.repeat(50_000), ['n'.repeat(50_000)]: 'v' }));
    }
    // Walk what the recorder holds (not what it shows): no string over 101 characters, no key.
    const held = JSON.stringify((recorder as unknown as { log: unknown[] }).log);
    expect(held).not.toContain(KEY);
    expect(held).not.toMatch(/[bn]{102}/);
  });

  it('Recorder: held bytes never pass logBytes; the oldest records go first', () => {
    const recorder = new Recorder(1_000, 10_000);
    for (let i = 0; i < 500; i++) {
      recorder.request(record({ i: String(i), pad: 'p'.repeat(i % 100) }));
      expect(recorder.logHeldBytes).toBeLessThanOrEqual(10_000);
    }
    const kept = recorder.recentRequests();
    expect(kept.at(-1)?.params.i).toBe('499');
    const first = Number(kept[0]?.params.i);
    expect(kept.map((r) => Number(r.params.i))).toEqual(
      Array.from({ length: kept.length }, (_, k) => first + k),
    );
    recorder.resize(10, 1_000);
    expect(recorder.recentRequests().length).toBeLessThanOrEqual(10);
    expect(recorder.logHeldBytes).toBeLessThanOrEqual(1_000);
    expect(recorder.recentRequests().at(-1)?.params.i).toBe('499');
    // A record too big for the whole log is not kept, and evicts nothing.
    const small = new Recorder(10, 300);
    small.request(record({ i: '1' }));
    small.request(record({ a: 'a'.repeat(100), b: 'b'.repeat(100) }));
    expect(small.recentRequests().map((r) => r.params.i)).toEqual(['1']);
  });

  it('a record keeps at most 32 parameters', async () => {
    const { http, mock } = await start();
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, 'v']));
    await http.submit({ ...recaptcha(), ...many });
    expect(Object.keys(mock.state().log[0]!.params)).toHaveLength(32);
  });
});

describe('finished tasks are bounded by maxTasks; resultTtl still holds below it', () => {
  it('the oldest finished tasks are forgotten beyond maxTasks, unfinished ones never', async () => {
    const clock = new VirtualClock();
    const { http, mock } = await start({
      clock,
      maxTasks: 3,
      latency: 1_000,
      keys: { [KEY]: { threads: 100 } },
    });
    const ids: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await http.submitJson(recaptcha())).request);
      await clock.advance(1);
    }
    // Five unfinished tasks: above the bound, none dropped.
    expect(mock.state().tasks).toMatchObject({ created: 5, held: 5, evicted: 0 });
    await clock.advance(1_000);
    expect(mock.state().tasks).toMatchObject({ held: 3, evicted: 2 });
    expect((await http.getJson(KEY, ids[0])).request).toBe('ERROR_WRONG_CAPTCHA_ID');
    expect((await http.getJson(KEY, ids[1])).request).toBe('ERROR_WRONG_CAPTCHA_ID');
    expect((await http.getJson(KEY, ids[2])).status).toBe(1);
    // An evicted task no longer counts as open or holds a thread.
    expect(mock.state().keys[KEY]).toMatchObject({ open: 2, inFlight: 0 });
    for (let i = 0; i < 10; i++) await http.submitJson(recaptcha());
    await clock.advance(1_000);
    expect(mock.state().tasks.held).toBe(3);
  });

  it('below the bound, a result lives exactly resultTtl', async () => {
    const clock = new VirtualClock();
    const { http, mock } = await start({ clock, maxTasks: 10, latency: 0, resultTtl: 5_000 });
    const id = (await http.submitJson(recaptcha())).request;
    await clock.advance(4_999);
    expect((await http.getJson(KEY, id)).status).toBe(1);
    await clock.advance(1);
    expect((await http.getJson(KEY, id)).request).toBe('ERROR_WRONG_CAPTCHA_ID');
    expect(mock.state().tasks).toMatchObject({ evicted: 0, held: 0 });
  });

  it('a task dropped as soon as it is created (zero TTL, or beyond maxTasks) leaves nothing open', async () => {
    const clock = new VirtualClock();
    const { http, mock } = await start({ clock, latency: 0, resultTtl: 0 });
    const id = (await http.submitJson(recaptcha())).request;
    expect(mock.state().tasks).toMatchObject({ created: 1, expired: 1, held: 0 });
    expect(mock.state().keys[KEY]).toMatchObject({ open: 0, inFlight: 0 });
    expect((await http.getJson(KEY, id)).request).toBe('ERROR_WRONG_CAPTCHA_ID');
    mock.configure({ resultTtl: 300_000, maxTasks: 1, script: { tasks: [{ latency: 60_000 }] } });
    await http.submitJson(recaptcha()); // unfinished: kept
    await http.submitJson(recaptcha()); // finished at once, beyond the bound: dropped
    expect(mock.state().tasks).toMatchObject({ created: 3, evicted: 1, held: 1 });
    expect(mock.state().keys[KEY]).toMatchObject({ open: 1, inFlight: 1 });
  });

  it('maxTasks below 1 is refused, naming the option', async () => {
    const { mock } = await start();
    expect(() => mock.configure({ maxTasks: 0 })).toThrow(/`maxTasks`/);
  });
});
