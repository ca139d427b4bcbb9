import { describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_KEY, SAMPLE_IMAGE_BASE64 } from '../../src/mock/index.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import {
  type Encoding,
  KEY,
  KEY2,
  mockPerTest,
  recaptcha,
  signallingClock,
  twoKeysNoLatency,
} from './helpers.js';

const start = mockPerTest(twoKeysNoLatency);
const startWithoutKeys = mockPerTest();

const taskParams: Record<string, Record<string, string>> = {
  'recaptcha-v2': recaptcha(),
  'recaptcha-v2 invisible': { ...recaptcha(), invisible: '1' },
  'recaptcha-v3': { ...recaptcha(), version: 'v3', action: 'login', min_score: '0.7' },
  hcaptcha: { key: KEY, method: 'hcaptcha', sitekey: 'f7de0da3', pageurl: 'https://a.example' },
  turnstile: {
    key: KEY,
    method: 'turnstile',
    sitekey: '0x4AAAA',
    pageurl: 'https://a.example',
    action: 'login',
  },
  image: { key: KEY, method: 'base64', body: SAMPLE_IMAGE_BASE64 },
};

describe('in.php and res.php happy path', () => {
  for (const [name, params] of Object.entries(taskParams)) {
    for (const encoding of ['form', 'multipart', 'json', 'query'] as Encoding[]) {
      it(`${name}, ${encoding}, JSON mode: submit then get a token`, async () => {
        const { http } = await start();
        const submit = await http.call('/in.php', { ...params, json: '1' }, encoding);
        expect(submit.status).toBe(200);
        const body = JSON.parse(submit.text) as { status: number; request: number };
        expect(body.status).toBe(1);
        // CaptchaAI's JSON ids are numbers.
        expect(typeof body.request).toBe('number');
        const got = await http.getJson(KEY, body.request);
        expect(got.status).toBe(1);
        expect(typeof got.request).toBe('string');
        if (name === 'image') expect(got.request).toMatch(/^[a-z0-9]{6}$/);
        else expect((got.request as string).length).toBeGreaterThan(100);
      });
    }
    it(`${name}, text mode: OK|id then OK|token`, async () => {
      const { http, mock } = await start();
      const submit = await http.submit({ ...params, json: '0' });
      expect(submit.headers['content-type']).toMatch(/^text\/plain/);
      const match = /^OK\|(\d+)$/.exec(submit.text);
      expect(match).not.toBeNull();
      const got = await http.res({ key: KEY, action: 'get', id: match![1]!, json: '0' });
      expect(got.text).toMatch(/^OK\|.+/);
      const state = mock.state();
      expect(state.tasks).toMatchObject({ created: 1, solved: 1 });
      expect(state.keys[KEY]).toMatchObject({ accepted: 1, solved: 1, open: 0 });
    });
  }

  it('sends the image as a multipart file with method=post', async () => {
    const { mock } = await start();
    const form = new FormData();
    form.set('key', KEY);
    form.set('method', 'post');
    form.set('file', new Blob([Buffer.from(SAMPLE_IMAGE_BASE64, 'base64')]), 'captcha.png');
    const res = await fetch(`${mock.url}/in.php`, {
      method: 'POST',
      body: form,
      headers: { connection: 'close' },
    });
    expect(await res.text()).toMatch(/^OK\|\d+$/);
  });

  it('records the submitted parameters without the key', async () => {
    const { http, mock } = await start();
    await http.submit({ ...taskParams['recaptcha-v3']!, json: '1' });
    const [record] = mock.state().log;
    expect(record?.params).toMatchObject({ version: 'v3', action: 'login', min_score: '0.7' });
    expect(record?.params).not.toHaveProperty('key');
    expect(JSON.stringify(mock.state().log)).not.toContain(KEY);
  });

  it('answers text on both profiles when json is absent', async () => {
    const { http, mock } = await start({ provider: '2captcha' });
    expect((await http.submit(recaptcha())).text).toMatch(/^OK\|\d+$/);
    await http.close();
    await mock.close();
    const second = await start({ provider: 'captchaai' });
    expect((await second.http.submit(recaptcha())).text).toMatch(/^OK\|\d+$/);
  });

  it('gives 2captcha ids as strings in JSON mode, and get2 with a price', async () => {
    const { http } = await start({ provider: '2captcha' });
    const submit = await http.submitJson(recaptcha());
    expect(typeof submit.request).toBe('string');
    const got2 = await http.res({
      key: KEY,
      action: 'get2',
      id: String(submit.request),
      json: '0',
    });
    expect(got2.text).toMatch(/^OK\|.+\|0\.00100$/);
  });

  it('answers CAPCHA_NOT_READY until the latency has passed (spelling configurable)', async () => {
    const { http, mock } = await start({ latency: 60_000, notReadyText: 'CAPTCHA_NOT_READY' });
    const submit = await http.submitJson(recaptcha());
    expect(await http.getJson(KEY, submit.request)).toEqual({
      status: 0,
      request: 'CAPTCHA_NOT_READY',
    });
    mock.configure({ notReadyText: 'CAPCHA_NOT_READY' });
    expect((await http.getJson(KEY, submit.request)).request).toBe('CAPCHA_NOT_READY');
    expect(mock.state().keys[KEY]).toMatchObject({ inFlight: 1, open: 1, polls: 2 });
  });

  it('getbalance, reportgood and reportbad', async () => {
    const { http } = await start({ provider: '2captcha', keys: { [KEY]: { balance: 2 } } });
    const { request: id } = await http.submitJson(recaptcha());
    // Not delivered yet: nothing to report.
    expect((await http.res({ key: KEY, action: 'reportbad', id: String(id) })).text).toBe(
      'ERROR_REPORT_NOT_RECORDED',
    );
    await http.getJson(KEY, id);
    expect((await http.res({ key: KEY, action: 'reportgood', id: String(id) })).text).toBe(
      'OK_REPORT_RECORDED',
    );
    expect((await http.res({ key: KEY, action: 'reportbad', id: String(id) })).text).toBe(
      'ERROR_DUPLICATE_REPORT',
    );
    const balance = await http.res({ key: KEY, action: 'getbalance', json: '1' });
    expect(JSON.parse(balance.text)).toEqual({ status: 1, request: '1.99900' });
  });

  it('rejects bad parameters with the services’ codes', async () => {
    const { http } = await start({ keys: { [KEY]: { threads: 100 } } });
    const cases: [Record<string, string>, string][] = [
      [
        { key: KEY, method: 'userrecaptcha', pageurl: 'https://a.example' },
        'ERROR_WRONG_GOOGLEKEY',
      ],
      [{ key: KEY, method: 'userrecaptcha', googlekey: 'k' }, 'ERROR_PAGEURL'],
      [{ ...recaptcha(), version: 'v4' }, 'ERROR_BAD_PARAMETERS'],
      [{ ...recaptcha(), version: 'v3', min_score: '0.95' }, 'ERROR_BAD_PARAMETERS'],
      [{ key: KEY, method: 'hcaptcha', pageurl: 'https://a.example' }, 'ERROR_BAD_PARAMETERS'],
      [{ key: KEY, method: 'turnstile', sitekey: 'k' }, 'ERROR_PAGEURL'],
      [{ key: KEY, method: 'funcaptcha' }, 'ERROR_BAD_PARAMETERS'],
      [{ key: KEY, method: 'base64', body: '' }, 'ERROR_ZERO_CAPTCHA_FILESIZE'],
      [{ key: KEY, method: 'base64', body: 'aGVsbG8=' }, 'ERROR_ZERO_CAPTCHA_FILESIZE'],
      [{ key: KEY, method: 'base64', body: 'not base64!' }, 'ERROR_WRONG_FILE_EXTENSION'],
      [
        { key: KEY, method: 'base64', body: Buffer.alloc(200, 7).toString('base64') },
        'ERROR_IMAGE_TYPE_NOT_SUPPORTED',
      ],
      [{ key: KEY, method: 'post' }, 'ERROR_ZERO_CAPTCHA_FILESIZE'],
    ];
    for (const [params, code] of cases) {
      expect((await http.submit({ ...params, json: '0' })).text, code).toBe(code);
    }
    const big = Buffer.alloc(1024 * 1024 + 10);
    Buffer.from(SAMPLE_IMAGE_BASE64, 'base64').copy(big);
    expect(
      (await http.submit({ key: KEY, method: 'base64', body: big.toString('base64'), json: '0' }))
        .text,
    ).toBe('ERROR_TOO_BIG_CAPTCHA_FILESIZE');
  });

  it('res.php errors: empty action, id format, unknown id, another key’s task', async () => {
    const { http } = await start({ provider: '2captcha' });
    const { request: id } = await http.submitJson(recaptcha(KEY));
    expect((await http.res({ key: KEY, id: String(id) })).text).toBe('ERROR_EMPTY_ACTION');
    expect((await http.res({ key: KEY, action: 'get', id: 'abc' })).text).toBe(
      'ERROR_WRONG_ID_FORMAT',
    );
    expect((await http.res({ key: KEY, action: 'get' })).text).toBe('ERROR_WRONG_ID_FORMAT');
    expect((await http.res({ key: KEY, action: 'get', id: '123' })).text).toBe(
      'ERROR_WRONG_CAPTCHA_ID',
    );
    expect((await http.res({ key: KEY2, action: 'get', id: String(id) })).text).toBe(
      'ERROR_WRONG_CAPTCHA_ID',
    );
  });

  it('answers ERROR_WRONG_USER_KEY for a malformed key and ERROR_KEY_DOES_NOT_EXIST for an unknown one', async () => {
    const { http, mock } = await start({ provider: '2captcha' });
    expect((await http.submit({ ...recaptcha('short'), json: '0' })).text).toBe(
      'ERROR_WRONG_USER_KEY',
    );
    expect((await http.submit({ ...recaptcha('0'.repeat(32)), json: '0' })).text).toBe(
      'ERROR_KEY_DOES_NOT_EXIST',
    );
    expect((await http.res({ key: '0'.repeat(32), action: 'getbalance', json: '0' })).text).toBe(
      'ERROR_KEY_DOES_NOT_EXIST',
    );
    expect(mock.state().answers).toMatchObject({
      ERROR_WRONG_USER_KEY: 1,
      ERROR_KEY_DOES_NOT_EXIST: 2,
    });
  });

  it('accepts the default key when started without keys, and adds CORS when asked', async () => {
    const { http } = await startWithoutKeys({ latency: 0 });
    const r = await http.submit({ ...recaptcha(DEFAULT_MOCK_KEY), header_acao: '1' });
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.text).toMatch(/^OK\|\d+$/);
  });

  it('answers 404 for unknown paths, 405 for other methods, 413 for huge bodies', async () => {
    const { http, mock } = await start();
    expect((await http.call('/nope', {})).status).toBe(404);
    const put = await fetch(`${mock.url}/in.php`, {
      method: 'PUT',
      headers: { connection: 'close' },
    });
    expect(put.status).toBe(405);
    await put.text();
    const huge = await http.submit({
      key: KEY,
      method: 'base64',
      body: 'A'.repeat(9 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);
    expect(mock.state().routes.other).toBe(3);
  });
});

describe('solve.php', () => {
  it('holds the connection until the task is done, then answers with the token', async () => {
    const virtual = new VirtualClock();
    const { clock, sleepsStarted } = signallingClock(virtual);
    const { http, mock } = await start({ clock, latency: 1_000 });
    let done = false;
    const reply = http.call('/solve.php', { ...recaptcha(), json: '1' }).finally(() => {
      done = true;
    });
    await sleepsStarted(1); // solve.php waits for the task on the clock
    expect(mock.state().tasks.created).toBe(1);
    await virtual.advance(999);
    expect(done).toBe(false);
    await virtual.advance(1);
    const body = JSON.parse((await reply).text) as { status: number; request: string };
    expect(body.status).toBe(1);
    expect(body.request).toMatch(/^03AFcWeA/);
    expect(mock.state()).toMatchObject({ routes: { solve: 1 }, tasks: { solved: 1 } });
  });

  it('answers submit errors at once', async () => {
    const { http } = await start({ keys: { [KEY]: { threads: 0 } } });
    expect((await http.call('/solve.php', { ...recaptcha(), json: '0' })).text).toBe(
      'ERROR_ZERO_BALANCE',
    );
  });
});
