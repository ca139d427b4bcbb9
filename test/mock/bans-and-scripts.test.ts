import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { KEY, KEY2, mockPerTest, recaptcha, twoKeysNoLatency } from './helpers.js';

const start = mockPerTest(twoKeysNoLatency);

describe('bans', () => {
  it('bans the IP after 5 bad-key requests, for every key, until the ban ends', async () => {
    const clock = new VirtualClock();
    const { http, mock } = await start({ clock, badKeyBan: { attempts: 5, duration: 300_000 } });
    const bad = '1'.repeat(32);
    for (let i = 0; i < 4; i++) await http.submit({ ...recaptcha(bad), json: '0' });
    expect(mock.state().bans).toBe(0);
    expect((await http.submit({ ...recaptcha(bad), json: '0' })).text).toBe(
      'ERROR_KEY_DOES_NOT_EXIST',
    );
    expect(mock.state().bans).toBe(1);
    expect((await http.submit({ ...recaptcha(KEY), json: '0' })).text).toBe('IP_BANNED');
    expect((await http.res({ key: KEY, action: 'getbalance', json: '0' })).text).toBe('IP_BANNED');
    await clock.advance(300_000);
    expect((await http.submit({ ...recaptcha(KEY), json: '0' })).text).toMatch(/^OK\|/);
  });

  it('bad-key strikes outside the window do not add up', async () => {
    const clock = new VirtualClock();
    const { http, mock } = await start({ clock, badKeyBan: { attempts: 2, window: 1_000 } });
    await http.submit(recaptcha('x'));
    await clock.advance(1_000);
    await http.submit(recaptcha('x'));
    expect(mock.state().bans).toBe(0);
    await http.submit(recaptcha('x'));
    expect(mock.state().bans).toBe(1);
  });

  it('2captcha: more than 60 submits in 3 s is MAX_USER_TURN for 10 s, per key', async () => {
    const clock = new VirtualClock();
    const { http, mock } = await start({
      provider: '2captcha',
      clock,
      keys: { [KEY]: { threads: 1_000 }, [KEY2]: {} },
    });
    for (let i = 0; i < 60; i++) expect((await http.submit(recaptcha())).text).toMatch(/^OK\|/);
    expect((await http.submit(recaptcha())).text).toBe('MAX_USER_TURN');
    expect(mock.state().keys[KEY]?.banned).toBe(true);
    expect((await http.submit(recaptcha(KEY2))).text).toMatch(/^OK\|/);
    await clock.advance(9_999);
    expect((await http.submit(recaptcha())).text).toBe('MAX_USER_TURN');
    await clock.advance(1);
    expect((await http.submit(recaptcha())).text).toMatch(/^OK\|/);
    expect(mock.state().bans).toBe(1);
  });

  it('a spaced-out client never hits the submit-burst ban', async () => {
    const clock = new VirtualClock();
    const { http, mock } = await start({
      provider: '2captcha',
      clock,
      keys: { [KEY]: { threads: 1_000 } },
      submitBurst: { limit: 10, window: 1_000 },
    });
    for (let i = 0; i < 40; i++) {
      expect((await http.submit(recaptcha())).text).toMatch(/^OK\|/);
      await clock.advance(100);
    }
    expect(mock.state().bans).toBe(0);
  });

  it('2captcha poll budget: res.php beyond 20 per submit + base bans with ERROR: 1005', async () => {
    const { http, mock } = await start({
      provider: '2captcha',
      latency: 60_000,
      pollBudget: { perSubmit: 2, base: 3 },
    });
    const id = (await http.submit(recaptcha())).text.slice(3);
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push((await http.res({ key: KEY, action: 'get', id })).text);
    expect(answers).toEqual([...Array(5).fill('CAPCHA_NOT_READY'), 'ERROR: 1005']);
    expect((await http.res({ key: KEY, action: 'getbalance' })).text).toBe('ERROR: 1005');
    expect(mock.state().keys[KEY]?.banned).toBe(true);
  });

  it('captchaai has neither the burst ban nor the poll budget by default', async () => {
    const { http, mock } = await start({ keys: { [KEY]: { threads: 1_000 } } });
    for (let i = 0; i < 70; i++) await http.submit(recaptcha());
    expect(mock.state().answers).toEqual({ OK: 70 });
  });
});

describe('scripts', () => {
  it('answers scripted codes in order, then behaves normally', async () => {
    const { http, mock } = await start({
      script: { in: ['ERROR_NO_SLOT_AVAILABLE', 'ERROR_NO_SLOT_AVAILABLE', 'OK'] },
    });
    const texts = [];
    for (let i = 0; i < 4; i++) texts.push((await http.submit({ ...recaptcha(), json: '0' })).text);
    expect(texts.slice(0, 2)).toEqual(['ERROR_NO_SLOT_AVAILABLE', 'ERROR_NO_SLOT_AVAILABLE']);
    expect(texts[2]).toMatch(/^OK\|/);
    expect(texts[3]).toMatch(/^OK\|/);
    expect(mock.state().answersByRoute.in).toEqual({ ERROR_NO_SLOT_AVAILABLE: 2, OK: 2 });
  });

  it('a key’s script goes first and only applies to that key', async () => {
    const { http } = await start({
      keys: { [KEY]: { script: { in: ['ERROR_ZERO_BALANCE'] } }, [KEY2]: {} },
      script: { in: ['ERROR_SERVER_ERROR'] },
    });
    expect((await http.submit({ ...recaptcha(KEY2), json: '0' })).text).toBe('ERROR_SERVER_ERROR');
    expect((await http.submit({ ...recaptcha(KEY), json: '0' })).text).toBe('ERROR_ZERO_BALANCE');
    expect((await http.submit({ ...recaptcha(KEY), json: '0' })).text).toMatch(/^OK\|/);
  });

  it('scripts res.php answers and task outcomes', async () => {
    const { http, mock } = await start({
      script: {
        res: ['CAPCHA_NOT_READY', 'CAPCHA_NOT_READY'],
        tasks: [{ outcome: 'unsolvable' }, { token: 'scripted-token' }],
      },
    });
    const first = (await http.submitJson(recaptcha())).request;
    const second = (await http.submitJson(recaptcha())).request;
    expect((await http.getJson(KEY, first)).request).toBe('CAPCHA_NOT_READY');
    expect((await http.getJson(KEY, first)).request).toBe('CAPCHA_NOT_READY');
    expect((await http.getJson(KEY, first)).request).toBe('ERROR_CAPTCHA_UNSOLVABLE');
    expect(await http.getJson(KEY, second)).toEqual({ status: 1, request: 'scripted-token' });
    expect(mock.state().tasks).toMatchObject({ solved: 1, unsolvable: 1 });
  });

  it('scripted task latency holds the answer back (virtual time)', async () => {
    const clock = new VirtualClock();
    const { http } = await start({ clock, script: { tasks: [{ latency: 2_000 }] } });
    const id = (await http.submitJson(recaptcha())).request;
    await clock.advance(1_999);
    expect((await http.getJson(KEY, id)).request).toBe('CAPCHA_NOT_READY');
    await clock.advance(1);
    expect((await http.getJson(KEY, id)).status).toBe(1);
  });

  it('configure({ script }) starts a new script; reset() forgets everything', async () => {
    const { http, mock } = await start({});
    mock.configure({ script: { in: ['ERROR_SERVER_ERROR'] } });
    expect((await http.submit({ ...recaptcha(), json: '0' })).text).toBe('ERROR_SERVER_ERROR');
    expect((await http.submit({ ...recaptcha(), json: '0' })).text).toMatch(/^OK\|/);
    mock.reset();
    expect((await http.submit({ ...recaptcha(), json: '0' })).text).toBe('ERROR_SERVER_ERROR');
    const state = mock.state();
    expect(state.routes).toEqual({ in: 1 });
    expect(state.tasks.created).toBe(0);
  });
});
