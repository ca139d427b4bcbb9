import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { SAMPLE_IMAGE_BASE64 } from '../../src/mock/index.js';
import { KEY, KEY2, mockPerTest, recaptcha, twoKeysNoLatency } from './helpers.js';

// What clients written elsewhere send and expect (issue 8, section 3).
const start = mockPerTest(twoKeysNoLatency);

async function post(url: string, body: string, contentType?: string) {
  const res = await request(url, {
    method: 'POST',
    body,
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    reset: true,
  });
  return { status: res.statusCode, type: res.headers['content-type'], text: await res.body.text() };
}

describe('a JSON body is read as JSON whatever its declared type', () => {
  for (const type of [
    'text/plain',
    'text/plain;charset=UTF-8',
    undefined,
    'application/x-www-form-urlencoded',
  ]) {
    it(`image submit as JSON with content type ${type ?? '(none)'}`, async () => {
      const { mock } = await start();
      const body = JSON.stringify({
        key: KEY,
        method: 'base64',
        body: SAMPLE_IMAGE_BASE64,
        json: 1,
      });
      const reply = await post(`${mock.url}/in.php`, `\n ${body}`, type);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text)).toMatchObject({ status: 1 });
      expect(mock.state().tasks.created).toBe(1);
    });
  }

  it('a declared JSON body that is a form is read as a form; a form starting with { stays a form', async () => {
    const { mock } = await start();
    const form = new URLSearchParams({ ...recaptcha(), json: '1' }).toString();
    expect(
      JSON.parse((await post(`${mock.url}/in.php`, form, 'application/json')).text),
    ).toMatchObject({ status: 1 });
    // Not a JSON object: a form whose first field name starts with `{`.
    const odd = `{x=1&${form}`;
    expect(JSON.parse((await post(`${mock.url}/in.php`, odd, 'text/plain')).text)).toMatchObject({
      status: 1,
    });
    expect(mock.state().tasks.created).toBe(2);
  });
});

describe('text unless json=1, in both profiles', () => {
  for (const provider of ['captchaai', '2captcha'] as const) {
    it(`${provider}: no json parameter gives OK|id, OK|token, a plain-number balance and bare codes`, async () => {
      const { http } = await start({ provider, costPerSolve: 0, keys: { [KEY]: { balance: 7 } } });
      const submit = await http.submit(recaptcha());
      expect(submit.headers['content-type']).toMatch(/^text\/plain/);
      const id = /^OK\|(\d+)$/.exec(submit.text)?.[1];
      expect(id).toBeDefined();
      expect((await http.res({ key: KEY, action: 'get', id: id! })).text).toMatch(/^OK\|03AFcWeA/);
      expect((await http.res({ key: KEY, action: 'getbalance' })).text).toBe('7.00000');
      expect((await http.res({ key: KEY, action: 'get', id: '1' })).text).toBe(
        'ERROR_WRONG_CAPTCHA_ID',
      );
      // json=0 and anything but 1/true are text too; json=1 is JSON.
      expect((await http.res({ key: KEY, action: 'getbalance', json: '0' })).text).toBe('7.00000');
      expect(
        JSON.parse((await http.res({ key: KEY, action: 'getbalance', json: '1' })).text),
      ).toEqual({
        status: 1,
        request: '7.00000',
      });
    });
  }
});

describe('JSON error replies carry error_text', () => {
  it('every error code has a description; not-ready and successes have none', async () => {
    const { http } = await start({ keys: { [KEY]: { threads: 1 } }, latency: 60_000 });
    const wrongKey = JSON.parse((await http.submit({ ...recaptcha('short'), json: '1' })).text);
    expect(wrongKey).toMatchObject({ status: 0, request: 'ERROR_WRONG_USER_KEY' });
    expect(wrongKey.error_text).toMatch(/32/);
    const ok = JSON.parse((await http.submit({ ...recaptcha(), json: '1' })).text);
    expect(ok).not.toHaveProperty('error_text');
    const noSlot = JSON.parse((await http.submit({ ...recaptcha(), json: '1' })).text);
    expect(noSlot).toMatchObject({ status: 0, request: 'ERROR_ZERO_BALANCE' });
    expect(noSlot.error_text).toMatch(/thread/i);
    const notReady = JSON.parse(
      (await http.res({ key: KEY, action: 'get', id: String(ok.request), json: '1' })).text,
    );
    expect(notReady).toEqual({ status: 0, request: 'CAPCHA_NOT_READY' });
    const empty = JSON.parse((await http.res({ key: KEY, json: '1' })).text);
    expect(empty).toMatchObject({ status: 0, request: 'ERROR_EMPTY_ACTION' });
    expect(typeof empty.error_text).toBe('string');
    // Text mode stays the bare code.
    expect((await http.res({ key: KEY, json: '0' })).text).toBe('ERROR_EMPTY_ACTION');
  });

  it('scripted and unknown codes get a generic description', async () => {
    const { http } = await start({ script: { in: ['ERROR: 1001', 'ERROR_SOMETHING_NEW'] } });
    const limit = JSON.parse((await http.submit({ ...recaptcha(), json: '1' })).text);
    expect(limit).toMatchObject({ status: 0, request: 'ERROR: 1001' });
    expect(limit.error_text.length).toBeGreaterThan(0);
    const unknown = JSON.parse((await http.submit({ ...recaptcha(), json: '1' })).text);
    expect(unknown.error_text.length).toBeGreaterThan(0);
  });
});

describe('res.php?action=get&ids=… (batch)', () => {
  it('answers every id in order, joined by |, each as its single get would without OK|', async () => {
    const { http, mock } = await start({
      script: {
        tasks: [{ token: 'tok-a' }, { outcome: 'unsolvable' }, { token: 'tok-c', latency: 60_000 }],
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(/^OK\|(\d+)$/.exec((await http.submit(recaptcha())).text)![1]!);
    const other = /^OK\|(\d+)$/.exec((await http.submit(recaptcha(KEY2))).text)![1]!;
    const batch = await http.res({ key: KEY, action: 'get', ids: [...ids, other, 'x1'].join(',') });
    expect(batch.text).toBe(
      'tok-a|ERROR_CAPTCHA_UNSOLVABLE|CAPCHA_NOT_READY|ERROR_WRONG_CAPTCHA_ID|ERROR_WRONG_ID_FORMAT',
    );
    const json = JSON.parse(
      (await http.res({ key: KEY, action: 'get', ids: ids.join(','), json: '1' })).text,
    );
    expect(json).toEqual({ status: 1, request: 'tok-a|ERROR_CAPTCHA_UNSOLVABLE|CAPCHA_NOT_READY' });
    const state = mock.state();
    // Each id of a batch is a poll of that task.
    expect(state.tasks).toMatchObject({ created: 4, solved: 1, unsolvable: 1 });
    expect(state.keys[KEY]?.polls).toBe(2);
    expect(state.polls.maxPollsPerTask).toBe(2);
    expect(state.routes['res.get']).toBe(2);
  });

  it('an empty ids list is ERROR_WRONG_ID_FORMAT; ids wins over id', async () => {
    const { http } = await start();
    expect((await http.res({ key: KEY, action: 'get', ids: '' })).text).toBe(
      'ERROR_WRONG_ID_FORMAT',
    );
    const id = /^OK\|(\d+)$/.exec((await http.submit(recaptcha())).text)![1]!;
    expect((await http.res({ key: KEY, action: 'get', ids: id, id: '5' })).text).toMatch(
      /^03AFcWeA/,
    );
  });
});
