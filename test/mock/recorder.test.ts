import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { KEY, KEY2, mockPerTest, recaptcha, twoKeysNoLatency } from './helpers.js';

const start = mockPerTest(twoKeysNoLatency);

describe('recorder', () => {
  it('records first-poll delays and the gaps between polls, in real clock ms', async () => {
    const clock = new VirtualClock();
    const { http, mock } = await start({ clock, latency: 20_000, timeScale: 0.01 });
    const a = (await http.submitJson(recaptcha())).request;
    await clock.advance(50);
    const b = (await http.submitJson(recaptcha())).request;
    await clock.advance(100);
    await http.getJson(KEY, a); // a: first poll after 150
    await clock.advance(30);
    await http.getJson(KEY, b); // b: first poll after 130
    await clock.advance(20);
    await http.getJson(KEY, a); // a: gap 50
    await clock.advance(70);
    expect((await http.getJson(KEY, a)).status).toBe(1); // a: gap 70, ready at 200
    const { polls } = mock.state();
    expect(polls.firstPollDelays).toEqual([150, 130]);
    expect(polls.gaps).toEqual([50, 70]);
    expect(polls.minFirstPollDelay).toBe(130);
    expect(polls.minGap).toBe(50);
    expect(polls.maxPollsPerTask).toBe(3);
  });

  it('records whether a key appeared in a URL, per key', async () => {
    const { http, mock } = await start({});
    await http.submit(recaptcha(KEY), 'form');
    expect(mock.state().keyInUrl).toBe(false);
    await http.res({ key: KEY2, action: 'getbalance' }, 'query');
    const state = mock.state();
    expect(state.keyInUrl).toBe(true);
    expect(state.keys[KEY]?.keyInUrl).toBe(false);
    expect(state.keys[KEY2]?.keyInUrl).toBe(true);
    expect(state.log.map((r) => r.keyInUrl)).toEqual([false, true]);
    // An unknown key in the query string counts too.
    mock.reset();
    await http.res({ key: 'nope', action: 'getbalance' }, 'query');
    expect(mock.state().keyInUrl).toBe(true);
    // So does a configured key in the path of a wrong URL.
    mock.reset();
    expect((await http.call(`/${KEY}/in.php`, {})).status).toBe(404);
    expect(mock.state().keys[KEY]?.keyInUrl).toBe(true);
  });

  it('peak in-flight per key under concurrent load', async () => {
    const { http, mock } = await start({
      keys: { [KEY]: { threads: 4 }, [KEY2]: { threads: 100 } },
      latency: 60_000,
    });
    await Promise.all(Array.from({ length: 12 }, () => http.submit(recaptcha(KEY))));
    await Promise.all(Array.from({ length: 7 }, () => http.submit(recaptcha(KEY2))));
    const state = mock.state();
    expect(state.keys[KEY]).toMatchObject({ peakInFlight: 4, noSlot: 8, submits: 12 });
    expect(state.keys[KEY2]).toMatchObject({ peakInFlight: 7, noSlot: 0 });
  });

  it('counts per route and per answer, and keeps a bounded log', async () => {
    const { http, mock } = await start({ logSize: 3, provider: '2captcha' });
    const id = (await http.submit(recaptcha())).text.slice(3);
    await http.res({ key: KEY, action: 'get', id });
    await http.res({ key: KEY, action: 'getbalance' });
    await http.res({ key: KEY, action: 'reportgood', id });
    await http.res({ key: KEY, action: 'nonsense' });
    const state = mock.state();
    expect(state.routes).toEqual({
      in: 1,
      'res.get': 1,
      'res.getbalance': 1,
      'res.reportgood': 1,
      'res.other': 1,
    });
    expect(state.answers).toEqual({ OK: 3, OK_REPORT_RECORDED: 1, ERROR_BAD_PARAMETERS: 1 });
    expect(state.log.map((r) => r.route)).toEqual([
      'res.getbalance',
      'res.reportgood',
      'res.other',
    ]);
    mock.configure({ logSize: 0 });
    expect(mock.state().log).toEqual([]);
  });

  it('state() is a snapshot: later requests do not change it', async () => {
    const { http, mock } = await start({});
    const before = mock.state();
    await http.submit(recaptcha());
    expect(before.routes).toEqual({});
    expect(mock.state().routes).toEqual({ in: 1 });
  });
});
