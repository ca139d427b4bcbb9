import { FormData, Pool, request } from 'undici';
import { afterEach } from 'vitest';
import {
  type MockRequestRecord,
  type MockSolver,
  type MockSolverOptions,
  startMockSolver,
} from '../../src/mock/index.js';
import type { VirtualClock } from '../../src/testing/virtual-clock.js';
import { closeCheckingConnections } from '../helpers/connections.js';

export const KEY = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
export const KEY2 = 'ffffeeeeddddccccbbbbaaaa99998888';

export type Encoding = 'form' | 'multipart' | 'json' | 'query';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A small HTTP client for the mock with its own connection pool (closed by `close()`). */
export function client(mock: MockSolver) {
  const pool = new Pool(mock.url, { connections: 64 });
  async function call(
    path: string,
    params: Record<string, string>,
    encoding: Encoding = 'form',
  ): Promise<Reply> {
    let url = path;
    let body: string | FormData | undefined;
    const headers: Record<string, string> = {};
    if (encoding === 'query') url += `?${new URLSearchParams(params)}`;
    else if (encoding === 'form') {
      body = new URLSearchParams(params).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (encoding === 'json') {
      body = JSON.stringify(params);
      headers['content-type'] = 'application/json';
    } else {
      const form = new FormData();
      for (const [k, v] of Object.entries(params)) form.append(k, v);
      body = form;
    }
    const res = await request(`${mock.url}${url}`, {
      dispatcher: pool,
      method: encoding === 'query' ? 'GET' : 'POST',
      headers,
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }
  return {
    pool,
    call,
    submit: (params: Record<string, string>, encoding?: Encoding) =>
      call('/in.php', params, encoding),
    res: (params: Record<string, string>, encoding?: Encoding) =>
      call('/res.php', params, encoding),
    /** Submits in JSON mode and returns the parsed answer. */
    async submitJson(
      params: Record<string, string>,
    ): Promise<{ status: number; request: unknown }> {
      const r = await call('/in.php', { json: '1', ...params });
      return JSON.parse(r.text) as { status: number; request: unknown };
    },
    async getJson(key: string, id: unknown): Promise<{ status: number; request: unknown }> {
      const r = await call('/res.php', { key, action: 'get', id: String(id), json: '1' });
      return JSON.parse(r.text) as { status: number; request: unknown };
    },
    close: () => (pool.closed || pool.destroyed ? Promise.resolve() : pool.close()),
  };
}

/** The mock a test file starts by default: both test keys, no solve latency. */
export const twoKeysNoLatency: MockSolverOptions = { keys: { [KEY]: {}, [KEY2]: {} }, latency: 0 };

/**
 * Returns `start(options)`, which starts a mock (`defaults` overridden by `options`) with a
 * {@link client} for it; both are closed after each test of the file that calls this, and the
 * test fails if a connection to the mock outlives the client (a per-object leak check).
 */
export function mockPerTest(defaults: MockSolverOptions = {}) {
  let mock: MockSolver | undefined;
  let http: ReturnType<typeof client> | undefined;
  afterEach(async () => {
    const open = [http, mock];
    http = undefined;
    mock = undefined;
    // The client first; then the mock must see none of its connections left open.
    await closeCheckingConnections(open);
  });
  return async function start(options: MockSolverOptions = {}) {
    mock = await startMockSolver({ ...defaults, ...options });
    http = client(mock);
    return { mock, http };
  };
}

export const recaptcha = (key: string = KEY) => ({
  key,
  method: 'userrecaptcha',
  googlekey: '6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-',
  pageurl: 'https://example.com/login',
});

/**
 * Wraps a `VirtualClock` so a test can wait until the mock has started `n` sleeps on it (a
 * slow fault's delay, a solve.php wait): an event to wait on instead of polling `state()`.
 */
export function signallingClock(clock: VirtualClock) {
  let started = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    clock: {
      now: (): number => clock.now(),
      sleep(ms: number, signal?: AbortSignal): Promise<void> {
        started++;
        for (const waiter of waiters.filter((w) => w.n <= started)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
        return clock.sleep(ms, signal);
      },
    },
    /** Resolves once `n` sleeps have started in all. */
    sleepsStarted(n = 1): Promise<void> {
      if (started >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
}

/**
 * An `onRequest` option and a way to wait for the first record that matches: the mock's own
 * account of a request, as an event.
 */
export function recordEvents() {
  const waiters: {
    match: (r: MockRequestRecord) => boolean;
    resolve: (r: MockRequestRecord) => void;
  }[] = [];
  const seen: MockRequestRecord[] = [];
  return {
    onRequest(record: MockRequestRecord): void {
      seen.push(record);
      for (const waiter of waiters.filter((w) => w.match(record))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(record);
      }
    },
    /** Resolves with the first record (already seen or to come) that `match`es. */
    next(match: (r: MockRequestRecord) => boolean): Promise<MockRequestRecord> {
      const found = seen.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}
