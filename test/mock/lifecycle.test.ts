import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { InvalidOptionTypeError, InvalidOptionValueError } from '../../src/errors.js';
import { type MockSolverOptions, startMockSolver } from '../../src/mock/index.js';
import { client, KEY, recaptcha } from './helpers.js';

describe('options', () => {
  const bad: [string, unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    ['port', { port: -1 }, RangeError, /`port`.*from 0 to 65535/],
    ['port type', { port: '80' }, TypeError, /`port`/],
    [
      'provider',
      { provider: 'anticaptcha' },
      RangeError,
      /`provider` to be one of 'captchaai', '2captcha'/,
    ],
    ['timeScale 0', { timeScale: 0 }, RangeError, /`timeScale` to be a number above 0/],
    [
      'unsolvableRate',
      { unsolvableRate: 1.5 },
      RangeError,
      /`unsolvableRate`.*from 0 to 1, got 1.5/,
    ],
    ['threads', { keys: { [KEY]: { threads: -1 } } }, RangeError, /`keys\[0\]\.threads`/],
    ['latency type', { latency: { image: 'slow' } }, TypeError, /`latency.image`/],
    ['latency task type', { latency: { recaptcha: 5 } }, RangeError, /`latency.recaptcha`/],
    [
      'lognormal p95 below median',
      { latency: { distribution: 'lognormal', median: 100, p95: 50 } },
      RangeError,
      /`latency.p95`.*from 100 and up, got 50/,
    ],
    ['fault kind', { faults: [{ kind: 'explode' }] }, RangeError, /`faults\[0\]\.kind`/],
    [
      'fault status',
      { faults: [{ kind: 'html-5xx', status: 404 }] },
      RangeError,
      /`faults\[0\]\.status`/,
    ],
    [
      'fault rates over 1',
      {
        faults: [
          { kind: 'hang', rate: 0.6 },
          { kind: 'reset', rate: 0.5, route: 'in' },
        ],
      },
      RangeError,
      /add up to at most 1 for the faults on in\.php, got 1\.1/,
    ],
    ['script step', { script: { in: [''] } }, RangeError, /`script.in\[0\]`/],
    [
      'script outcome',
      { script: { tasks: [{ outcome: 'maybe' }] } },
      RangeError,
      /`script.tasks\[0\]\.outcome`/,
    ],
    ['submitBurst without limit', { submitBurst: {} }, TypeError, /`submitBurst.limit`/],
    ['unknown option', { unsolvable: 0.2 }, RangeError, /`unsolvable` to be absent/],
    ['clock', { clock: {} }, TypeError, /`clock`/],
  ];
  for (const [name, options, type, message] of bad) {
    it(`rejects ${name}`, async () => {
      const error = await startMockSolver(options as MockSolverOptions).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect(error).toBeInstanceOf(
        type === TypeError ? InvalidOptionTypeError : InvalidOptionValueError,
      );
      expect((error as Error).message).toMatch(message);
    });
  }

  it('validates every option before it listens: a bad option on a taken port is the option error', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      for (const [, options, type] of bad) {
        if ((options as { port?: unknown }).port !== undefined) continue;
        const error = await startMockSolver({ ...(options as MockSolverOptions), port }).catch(
          (e: unknown) => e,
        );
        // Not EADDRINUSE: it never tried to listen.
        expect(error).toBeInstanceOf(type);
      }
      await expect(startMockSolver({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('never puts a key in an error message', async () => {
    const secret = 'Zz'.repeat(16);
    const error = await startMockSolver({ keys: { [secret]: { balance: -1 } } }).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).not.toContain(secret);
  });

  it('configure() validates the whole patch and changes nothing when it is bad', async () => {
    const mock = await startMockSolver({ keys: { [KEY]: { threads: 2 } }, latency: 0 });
    try {
      expect(() => mock.configure({ keys: { [KEY]: { threads: 5 } }, unsolvableRate: 2 })).toThrow(
        RangeError,
      );
      expect(mock.state().keys[KEY]?.threads).toBe(2);
      expect(() => mock.configure({ port: 1 } as never)).toThrow(/`patch.port` to be absent/);
      mock.configure({ keys: { [KEY]: null, ['b'.repeat(32)]: { threads: 1 } } });
      expect(Object.keys(mock.state().keys)).toEqual(['b'.repeat(32)]);
    } finally {
      await mock.close();
    }
  });
});

describe('lifecycle', () => {
  it('listens on 127.0.0.1 and a free port by default; close() is idempotent and leaves no connection', async () => {
    const mock = await startMockSolver({ keys: { [KEY]: {} }, latency: 0 });
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
    expect(mock.port).toBeGreaterThan(0);
    const http = client(mock);
    // Keep-alive connections stay open in the pool until close() ends them.
    await Promise.all(Array.from({ length: 5 }, () => http.submit(recaptcha())));
    expect(mock.connections).toBeGreaterThan(0);
    await Promise.all([mock.close(), mock.close()]);
    expect(mock.connections).toBe(0);
    await mock.close();
    await http.close();
    // Nothing listens any more.
    await expect(fetch(`${mock.url}/in.php`)).rejects.toThrow();
    // Still readable after close.
    expect(mock.state().routes.in).toBe(5);
  });

  it('rejects when the port is taken', async () => {
    const first = await startMockSolver();
    try {
      await expect(startMockSolver({ port: first.port })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      await first.close();
    }
  });

  it('control plane: state, config and reset over HTTP', async () => {
    const mock = await startMockSolver({ keys: { [KEY]: {} }, latency: 0 });
    const http = client(mock);
    try {
      await http.submit(recaptcha());
      const state = await http.call('/__mock/state', {}, 'query');
      expect(JSON.parse(state.text)).toMatchObject({ routes: { in: 1 }, tasks: { created: 1 } });
      const config = await fetch(`${mock.url}/__mock/config`, {
        method: 'POST',
        body: JSON.stringify({ faults: [{ kind: 'http-429' }] }),
        headers: { connection: 'close', 'content-type': 'application/json' },
      });
      expect(config.status).toBe(204);
      expect((await http.submit(recaptcha())).status).toBe(429);
      const invalid = await fetch(`${mock.url}/__mock/config`, {
        method: 'POST',
        body: JSON.stringify({ timeScale: -1 }),
        headers: { connection: 'close', 'content-type': 'application/json' },
      });
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as { error: string }).error).toMatch(/timeScale/);
      const reset = await fetch(`${mock.url}/__mock/reset`, {
        method: 'POST',
        headers: { connection: 'close' },
      });
      expect(reset.status).toBe(204);
      expect(mock.state().routes).toEqual({});
    } finally {
      await http.close();
      await mock.close();
    }
  });
});
