import { FormData, Pool, request } from 'undici';
import { afterEach } from 'vitest';
import { type MockSolver, type MockSolverOptions, startMockSolver } from '../../src/mock/index.js';

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
 * {@link client} for it; both are closed after each test of the file that calls this.
 */
export function mockPerTest(defaults: MockSolverOptions = {}) {
  let mock: MockSolver | undefined;
  let http: ReturnType<typeof client> | undefined;
  afterEach(async () => {
    await http?.close();
    await mock?.close();
    http = undefined;
    mock = undefined;
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

/** Active handles other than the terminal's, for leak checks. */
export function activeHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'TTYWrap')
    .sort();
}

/** Whether no resource type is more numerous now than in `before` (nothing leaked). */
export function noNewHandles(before: readonly string[]): boolean {
  const counts = new Map<string, number>();
  for (const r of before) counts.set(r, (counts.get(r) ?? 0) + 1);
  for (const r of activeHandles()) {
    const left = (counts.get(r) ?? 0) - 1;
    if (left < 0) return false;
    counts.set(r, left);
  }
  return true;
}

/** Waits until `check` holds (handles close asynchronously), at most ~5 s on a loaded machine. */
export async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}
