import { inspect } from 'node:util';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { InvalidOptionTypeError, InvalidOptionValueError } from '../../src/errors.js';
import {
  createSolver,
  InvalidTaskError,
  type Solver,
  SolverClosedError,
  SolverError,
  type SolverOptions,
  SolverTimeoutError,
  type Task,
} from '../../src/solver/index.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import {
  closeAfterEach,
  drive,
  type FakeServer,
  fastOptions,
  json,
  type Step,
  startScripted,
  text,
  tick,
} from './fake-server.js';

const KEY = 'feedfacefeedfacefeedfacefeedface';

const tasks: Record<Task['type'], Task> = {
  'recaptcha-v2': {
    type: 'recaptcha-v2',
    sitekey: '6Le-site',
    pageurl: 'https://example.com/a',
    invisible: true,
  },
  'recaptcha-v3': {
    type: 'recaptcha-v3',
    sitekey: '6Le-v3',
    pageurl: 'https://example.com/b',
    action: 'login',
    minScore: 0.7,
  },
  hcaptcha: { type: 'hcaptcha', sitekey: 'hc-key', pageurl: 'https://example.com/c' },
  turnstile: {
    type: 'turnstile',
    sitekey: '0x4AAA',
    pageurl: 'https://example.com/d',
    action: 'act',
    data: 'cdata',
  },
  image: { type: 'image', body: 'iVBORw0KGgo=' },
};

const expectedParams: Record<Task['type'], Record<string, string>> = {
  'recaptcha-v2': {
    method: 'userrecaptcha',
    googlekey: '6Le-site',
    pageurl: 'https://example.com/a',
    invisible: '1',
  },
  'recaptcha-v3': {
    method: 'userrecaptcha',
    version: 'v3',
    googlekey: '6Le-v3',
    pageurl: 'https://example.com/b',
    action: 'login',
    min_score: '0.7',
  },
  hcaptcha: { method: 'hcaptcha', sitekey: 'hc-key', pageurl: 'https://example.com/c' },
  turnstile: {
    method: 'turnstile',
    sitekey: '0x4AAA',
    pageurl: 'https://example.com/d',
    action: 'act',
    data: 'cdata',
  },
  image: { method: 'base64', body: 'iVBORw0KGgo=' },
};

let server: FakeServer | undefined;
let solver: Solver | undefined;
/** Every error a test saw, checked for the key afterwards. */
const seenErrors: unknown[] = [];

closeAfterEach(() => {
  const open = [solver, server];
  solver = undefined;
  server = undefined;
  return open;
});

function fast(extra: Partial<SolverOptions> = {}): SolverOptions {
  // One submit per call unless a test says otherwise (submit retries have their own tests).
  return fastOptions(KEY, server!.url, { submitRetries: 0, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<SolverError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  seenErrors.push(error);
  expect(error).toBeInstanceOf(SolverError);
  return error as SolverError;
}

const notReady: Step = (r) => json(r, 0, 'CAPCHA_NOT_READY');
const notReadyText: Step = (r) => text(r, 'CAPCHA_NOT_READY');

describe('happy path', () => {
  for (const type of Object.keys(tasks) as Task['type'][]) {
    for (const format of ['json', 'text'] as const) {
      it(`solves ${type} in ${format} mode, key only in the POST body`, async () => {
        const inText = format === 'text';
        server = await startScripted({
          submits: [(r) => (inText ? text(r, 'OK|4242') : json(r, 1, 4242))],
          polls: [
            inText ? notReadyText : notReady,
            (r) => (inText ? text(r, 'OK|tok|en') : json(r, 1, 'tok|en')),
          ],
        });
        const clock = new VirtualClock();
        solver = createSolver(fast({ responseFormat: format, clock }));
        const result = await drive(clock, solver.solve(tasks[type]));
        expect(result).toMatchObject({ id: '4242', token: inText ? 'tok|en' : 'tok|en', polls: 2 });
        // firstPollDelay 0, then one pollInterval of 1 ms before the second poll
        expect(result.elapsedMs).toBe(clock.now());
        expect(result.elapsedMs).toBe(1);
        const [submit, poll1] = server.requests;
        expect(submit!.method).toBe('POST');
        expect(submit!.url).toBe('/in.php');
        expect(submit!.contentType).toBe('application/x-www-form-urlencoded');
        expect(Object.fromEntries(submit!.body)).toEqual({
          key: KEY,
          json: inText ? '0' : '1',
          ...expectedParams[type],
        });
        expect(poll1!.url).toBe('/res.php');
        expect(Object.fromEntries(poll1!.body)).toEqual({
          key: KEY,
          json: inText ? '0' : '1',
          action: 'get',
          id: '4242',
        });
        for (const request of server.requests) expect(request.url).not.toContain(KEY);
      });
    }
  }

  it('accepts CAPTCHA_NOT_READY and string ids', async () => {
    server = await startScripted({
      submits: [(r) => json(r, 1, 'abc-77')],
      polls: [
        (r) => json(r, 0, 'CAPTCHA_NOT_READY'),
        (r) => text(r, 'CAPTCHA_NOT_READY'),
        (r) => json(r, 1, 'T'),
      ],
    });
    solver = createSolver(fast());
    await expect(solver.solve(tasks.turnstile)).resolves.toMatchObject({
      id: 'abc-77',
      token: 'T',
      polls: 3,
    });
  });

  it('waits firstPollDelay, then pollInterval (never less), on the injected clock', async () => {
    server = await startScripted({ polls: [notReady, notReady, (r) => json(r, 1, 'T')] });
    const clock = new VirtualClock();
    const pollTimes: number[] = [];
    const original = server.requests.push.bind(server.requests);
    server.requests.push = (...items) => {
      for (const item of items) if (item.path === '/res.php') pollTimes.push(clock.now());
      return original(...items);
    };
    solver = createSolver(
      fast({
        clock,
        firstPollDelay: (t) => (t.type === 'image' ? 5_000 : 15_000),
        pollInterval: 5_000,
        pollJitter: 0.1,
      }),
    );
    const result = await drive(clock, solver.solve(tasks['recaptcha-v2']));
    expect(result.polls).toBe(3);
    expect(pollTimes[0]).toBe(15_000);
    expect(pollTimes[1]! - pollTimes[0]!).toBeGreaterThanOrEqual(5_000);
    expect(pollTimes[1]! - pollTimes[0]!).toBeLessThanOrEqual(5_500);
    expect(pollTimes[2]! - pollTimes[1]!).toBeGreaterThanOrEqual(5_000);
    expect(result.elapsedMs).toBe(pollTimes[2]);
  });

  it('reads balance and sends reports', async () => {
    server = await startScripted({
      other: (r, req) => {
        const action = req.body.get('action');
        if (action === 'getbalance') json(r, 1, '50.2500');
        else if (action === 'reportgood') json(r, 1, 'OK_REPORT_RECORDED');
        else json(r, 0, 'ERROR_DUPLICATE_REPORT');
      },
    });
    solver = createSolver(fast());
    await expect(solver.balance()).resolves.toBe(50.25);
    await expect(solver.report(17, 'good')).resolves.toBeUndefined();
    const e = await failure(solver.report('17', 'bad'));
    expect(e).toMatchObject({ kind: 'fatal-item', providerCode: 'ERROR_DUPLICATE_REPORT' });
    const bodies = server.requests.map((r) => Object.fromEntries(r.body));
    expect(bodies[1]).toEqual({ key: KEY, json: '1', action: 'reportgood', id: '17' });
    expect(bodies[2]).toMatchObject({ action: 'reportbad', id: '17' });
  });
});

describe('classification of answers', () => {
  it('ERROR_ZERO_BALANCE is overload on captchaai and fatal-account on 2captcha', async () => {
    server = await startScripted({ submits: [(r) => json(r, 0, 'ERROR_ZERO_BALANCE')] });
    solver = createSolver(fast({ provider: 'captchaai' }));
    const a = await failure(solver.solve(tasks.image));
    expect(a).toMatchObject({ kind: 'overload', code: 'ERR_BPK_SOLVER_OVERLOAD', phase: 'submit' });
    expect(a.retryAfter).toBeGreaterThan(0);
    await solver.close();
    solver = createSolver(fast({ provider: '2captcha' }));
    const b = await failure(solver.solve(tasks.image));
    expect(b).toMatchObject({
      kind: 'fatal-account',
      code: 'ERR_BPK_SOLVER_FATAL_ACCOUNT',
      providerCode: 'ERROR_ZERO_BALANCE',
    });
  });

  it('HTML 5xx, empty and malformed bodies on submit are transient, without the body', async () => {
    const html = `<!DOCTYPE html><html><title>521: Web server is down</title><body>${'x'.repeat(3000)}</body></html>`;
    server = await startScripted({
      submits: [
        (r) => text(r, html, 521, 'text/html'),
        (r) => text(r, html, 200, 'text/html'),
        (r) => text(r, ''),
        (r) => text(r, '{"status":1,"requ', 200, 'application/json'),
        (r) => text(r, 'Service Unavailable', 503),
      ],
    });
    solver = createSolver(fast());
    for (let i = 0; i < 5; i++) {
      const e = await failure(solver.solve(tasks.image));
      expect(e.kind).toBe('transient');
      expect(e.code).toBe('ERR_BPK_SOLVER_TRANSIENT');
      expect(e.providerCode).toBeUndefined();
      expect(e.message).not.toContain('<');
      expect(e.message).not.toContain('Web server');
      expect(e.message.length).toBeLessThan(200);
    }
  });

  it('HTTP 429 is rate-limited with Retry-After', async () => {
    server = await startScripted({
      submits: [
        (r) => {
          r.writeHead(429, { 'retry-after': '7' });
          r.end('Too Many Requests');
        },
      ],
    });
    solver = createSolver(fast());
    const e = await failure(solver.solve(tasks.image));
    expect(e).toMatchObject({ kind: 'rate-limited', retryAfter: 7_000, status: 429 });
  });

  it('maps provider codes on submit and poll', async () => {
    server = await startScripted({
      submits: [
        (r) => json(r, 0, 'ERROR_NO_SLOT_AVAILABLE'),
        (r) => text(r, 'ERROR: 1005'),
        (r) => json(r, 0, 'ERROR_PAGEURL'),
        (r) => json(r, 1, 9),
      ],
      polls: [(r) => json(r, 0, 'ERROR_CAPTCHA_UNSOLVABLE')],
    });
    solver = createSolver(fast());
    expect(await failure(solver.solve(tasks.image))).toMatchObject({ kind: 'overload' });
    expect(await failure(solver.solve(tasks.image))).toMatchObject({
      kind: 'rate-limited',
      providerCode: 'ERROR: 1005',
      retryAfter: 300_000,
    });
    expect(await failure(solver.solve(tasks.image))).toMatchObject({ kind: 'fatal-item' });
    expect(await failure(solver.solve(tasks.image))).toMatchObject({
      kind: 'unsolvable',
      code: 'ERR_BPK_SOLVER_UNSOLVABLE',
      phase: 'poll',
      taskId: '9',
    });
  });

  it('keeps polling through transient poll failures and solves', async () => {
    server = await startScripted({
      polls: [
        (r) => text(r, '<html>502 Bad Gateway</html>', 502, 'text/html'),
        (r) => r.destroy(),
        (r) => text(r, ''),
        notReady,
        (r) => json(r, 1, 'T'),
      ],
    });
    const clock = new VirtualClock();
    solver = createSolver(fast({ clock }));
    const result = await drive(clock, solver.solve(tasks.image));
    expect(result).toMatchObject({ token: 'T', polls: 5 });
    // each of the 3 transient failures waits its 5 s retryAfter, not the 1 ms pollInterval;
    // the not-ready answer waits the pollInterval
    expect(result.elapsedMs).toBe(3 * 5_000 + 1);
  });

  it('after a fatal-account answer, refuses further submits without a request', async () => {
    server = await startScripted({ submits: [(r) => json(r, 0, 'ERROR_KEY_DOES_NOT_EXIST')] });
    solver = createSolver(fast());
    expect(await failure(solver.solve(tasks.image))).toMatchObject({ kind: 'fatal-account' });
    for (let i = 0; i < 10; i++)
      expect(await failure(solver.solve(tasks.image))).toMatchObject({
        kind: 'fatal-account',
        providerCode: 'ERROR_KEY_DOES_NOT_EXIST',
      });
    expect(server.requests).toHaveLength(1);
    expect(solver.stats()).toMatchObject({ submits: 1, refused: 10 });
  });

  it('with stopOnFatal: false, submits again', async () => {
    server = await startScripted({ submits: [(r) => json(r, 0, 'ERROR_WRONG_USER_KEY')] });
    solver = createSolver(fast({ stopOnFatal: false }));
    await failure(solver.solve(tasks.image));
    await failure(solver.solve(tasks.image));
    expect(server.requests).toHaveLength(2);
  });
});

describe('timeouts, deadline, abort, close', () => {
  it('a hanging submit fails transient after requestTimeout', async () => {
    server = await startScripted({ submits: [() => {}] });
    solver = createSolver(fast({ requestTimeout: 100 }));
    const e = await failure(solver.solve(tasks.image));
    expect(e.kind).toBe('transient');
    expect(e.message).toMatch(/failed/);
  });

  it('slow headers fail transient after requestTimeout', async () => {
    server = await startScripted({
      submits: [(r) => void setTimeout(() => json(r, 1, 1), 400).unref()],
    });
    solver = createSolver(fast({ requestTimeout: 80 }));
    expect((await failure(solver.solve(tasks.image))).kind).toBe('transient');
  });

  it('a body that trickles bytes cannot outlive requestTimeout', async () => {
    server = await startScripted({
      submits: [
        (r) => {
          r.writeHead(200, { 'content-type': 'application/json' });
          const timer = setInterval(() => {
            if (r.destroyed || r.writableEnded) clearInterval(timer);
            else r.write(' ');
          }, 20);
          r.on('close', () => clearInterval(timer));
        },
      ],
    });
    solver = createSolver(fast({ requestTimeout: 150 }));
    const e = await failure(solver.solve(tasks.image));
    expect(e).toMatchObject({ kind: 'transient' });
    expect(e.message).toContain('request timeout');
  });

  it('a connection reset on submit is transient', async () => {
    server = await startScripted({ submits: [(r) => void r.socket?.destroy()] });
    solver = createSolver(fast());
    expect((await failure(solver.solve(tasks.image))).kind).toBe('transient');
  });

  it('the overall deadline holds on the injected clock, with polls spaced', async () => {
    server = await startScripted({ polls: [notReady] });
    const clock = new VirtualClock();
    solver = createSolver(
      fast({ clock, timeout: 60_000, firstPollDelay: 5_000, pollInterval: 5_000 }),
    );
    const e = await failure(drive(clock, solver.solve(tasks.image)));
    expect(e).toBeInstanceOf(SolverTimeoutError);
    expect(e).toMatchObject({
      kind: 'unsolvable',
      code: 'ERR_BPK_SOLVER_DEADLINE',
      taskId: '1001',
    });
    expect(clock.now()).toBe(60_000);
    // polls at 5 s, 10 s, … 55 s: 11 polls; none at or after the deadline
    expect(server.requests.filter((r) => r.path === '/res.php')).toHaveLength(11);
  });

  it('the deadline holds when every poll hangs', async () => {
    server = await startScripted({ polls: [() => {}] });
    solver = createSolver(
      fast({ timeout: 300, requestTimeout: 10_000, firstPollDelay: 10, pollInterval: 10 }),
    );
    const e = await failure(solver.solve(tasks.image));
    expect(e).toBeInstanceOf(SolverTimeoutError);
    expect(e.cause).toBeInstanceOf(SolverError);
  });

  it('abort during a poll wait rejects at once with AbortError and leaves no timer', async () => {
    server = await startScripted({ polls: [notReady] });
    const clock = new VirtualClock();
    solver = createSolver(fast({ clock, firstPollDelay: 60_000 }));
    const controller = new AbortController();
    const pending = solver.solve(tasks.image, { signal: controller.signal });
    while (clock.pendingTimers === 0) await tick(1);
    controller.abort(new Error('stop'));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ERR_BPK_ABORTED' });
    expect((error as Error).cause).toEqual(new Error('stop'));
    expect(clock.pendingTimers).toBe(0);
  });

  it('abort during a hanging request rejects at once', async () => {
    server = await startScripted({ submits: [() => {}] });
    solver = createSolver(fast({ requestTimeout: 60_000 }));
    const controller = new AbortController();
    const pending = solver.solve(tasks.image, { signal: controller.signal });
    while (server.requests.length === 0) await tick(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an already aborted signal makes no request', async () => {
    server = await startScripted({});
    solver = createSolver(fast());
    await expect(solver.solve(tasks.image, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('close() aborts calls in flight and refuses new ones', async () => {
    server = await startScripted({ polls: [() => {}] });
    solver = createSolver(fast({ requestTimeout: 60_000 }));
    const pending = solver.solve(tasks.image).catch((e: unknown) => e);
    while (server.requests.length < 2) await tick(1);
    await solver.close();
    expect(await pending).toBeInstanceOf(SolverClosedError);
    await expect(solver.solve(tasks.image)).rejects.toMatchObject({
      code: 'ERR_BPK_SOLVER_CLOSED',
    });
    await expect(solver.balance()).rejects.toBeInstanceOf(SolverClosedError);
    expect(solver.stats().inFlight).toBe(0);
  });
});

describe('close() with other dispatchers and signals', () => {
  it('ends a hanging request on a dispatcher the caller owns, and leaves it open', async () => {
    server = await startScripted({ submits: [() => {}] });
    const agent = new Agent();
    solver = createSolver(fast({ dispatcher: agent, requestTimeout: 60_000 }));
    const pending = solver.solve(tasks.image).catch((e: unknown) => e);
    while (server.requests.length === 0) await tick(1);
    await solver.close();
    expect(await pending).toBeInstanceOf(SolverClosedError);
    expect(agent.destroyed).toBe(false);
    await agent.close();
  });

  it('ends a call that has its own signal, during a request and during a sleep', async () => {
    server = await startScripted({ submits: [(r) => json(r, 1, 5)], polls: [notReady, () => {}] });
    const clock = new VirtualClock();
    solver = createSolver(fast({ clock, requestTimeout: 60_000, firstPollDelay: 50_000 }));
    const sleeping = solver
      .solve(tasks.image, { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    while (clock.pendingTimers === 0) await tick(1);
    await solver.close();
    expect(await sleeping).toBeInstanceOf(SolverClosedError);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('edges', () => {
  it('a submit that hangs past a short deadline is a SolverTimeoutError of the submit', async () => {
    server = await startScripted({ submits: [() => {}] });
    solver = createSolver(fast({ timeout: 150, requestTimeout: 10_000 }));
    const e = await failure(solver.solve(tasks.image));
    expect(e).toBeInstanceOf(SolverTimeoutError);
    expect(e).toMatchObject({ phase: 'submit', taskId: undefined });
  });

  it('reads Retry-After as an HTTP date too', async () => {
    server = await startScripted({
      submits: [
        (r) => {
          r.writeHead(429, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() });
          r.end();
        },
      ],
    });
    solver = createSolver(fast());
    const e = await failure(solver.solve(tasks.image));
    expect(e.kind).toBe('rate-limited');
    expect(e.retryAfter).toBeGreaterThan(50_000);
    expect(e.retryAfter).toBeLessThanOrEqual(60_000);
  });

  it('stops reading an oversized body', async () => {
    server = await startScripted({ submits: [(r) => text(r, 'x'.repeat(600 * 1024))] });
    solver = createSolver(fast());
    const e = await failure(solver.solve(tasks.image));
    expect(e).toMatchObject({ kind: 'transient' });
    expect(e.message).toContain('oversized');
  });

  it('an answer that is not a balance is transient', async () => {
    server = await startScripted({ other: (r) => json(r, 1, 'lots') });
    solver = createSolver(fast());
    expect((await failure(solver.balance())).kind).toBe('transient');
  });

  it('validates report arguments', async () => {
    server = await startScripted({});
    solver = createSolver(fast());
    await expect(solver.report('1', 'meh' as never)).rejects.toThrow(RangeError);
    await expect(solver.report('', 'good')).rejects.toThrow(/`id`/);
    expect(server.requests).toHaveLength(0);
  });

  it('a 4xx with a protocol answer is read as that answer', async () => {
    server = await startScripted({
      submits: [
        (r) => text(r, JSON.stringify({ status: 0, request: 'ERROR_BAD_PARAMETERS' }), 400),
      ],
    });
    solver = createSolver(fast());
    expect(await failure(solver.solve(tasks.image))).toMatchObject({
      kind: 'fatal-item',
      status: 400,
      providerCode: 'ERROR_BAD_PARAMETERS',
    });
  });
});

describe('bad tasks and options', () => {
  it('rejects a bad task before any request, naming the field', async () => {
    server = await startScripted({});
    solver = createSolver(fast());
    const cases: [unknown, string][] = [
      [{ type: 'recaptcha-v2', pageurl: 'https://a.example' }, 'sitekey'],
      [{ type: 'turnstile', sitekey: 'k', pageurl: 'not a url' }, 'pageurl'],
      [{ type: 'funcaptcha', sitekey: 'k', pageurl: 'https://a.example' }, 'type'],
      [{ type: 'image', body: 'data:image/png;base64,AAAA' }, 'body'],
      [
        { type: 'recaptcha-v3', sitekey: 'k', pageurl: 'https://a.example', minScore: 2 },
        'minScore',
      ],
      [null, 'task'],
    ];
    for (const [task, field] of cases) {
      const e = await failure(solver.solve(task as Task));
      expect(e).toBeInstanceOf(InvalidTaskError);
      expect((e as InvalidTaskError).field).toBe(field);
      expect(e.message).toContain(`\`${field}\``);
      expect(e).toMatchObject({ kind: 'fatal-item', code: 'ERR_BPK_SOLVER_INVALID_TASK' });
    }
    expect(server.requests).toHaveLength(0);
  });

  it('validates options at creation, naming them', () => {
    expect(() => createSolver({ apiKey: 42 } as never)).toThrow(InvalidOptionTypeError);
    expect(() => createSolver({ apiKey: '' })).toThrow(/`apiKey`/);
    expect(() => createSolver({ apiKey: KEY, provider: 'anticaptcha' as never })).toThrow(
      InvalidOptionValueError,
    );
    expect(() => createSolver({ apiKey: KEY, pollInterval: -1 })).toThrow(/`pollInterval`/);
    expect(() => createSolver({ apiKey: KEY, timeout: 0 })).toThrow(RangeError);
    expect(() => createSolver({ apiKey: KEY, requestTimeout: '5' as never })).toThrow(TypeError);
    expect(() => createSolver({ apiKey: KEY, pollJitter: 2 })).toThrow(/`pollJitter`/);
    expect(() => createSolver({ apiKey: KEY, clock: {} as never })).toThrow(/`clock`/);
    expect(() => createSolver({ apiKey: KEY, baseUrl: 'ftp://x' })).toThrow(/`baseUrl`/);
    expect(() => createSolver({ apiKey: KEY, baseUrl: 'https://x.example/?key=1' })).toThrow(
      RangeError,
    );
  });

  it('refuses plain http to a non-loopback host unless allowInsecure', async () => {
    expect(() => createSolver({ apiKey: KEY, baseUrl: 'http://solver.example' })).toThrow(
      /allowInsecure/,
    );
    for (const baseUrl of ['http://127.0.0.1:1', 'http://localhost:1', 'http://[::1]:1']) {
      await createSolver({ apiKey: KEY, baseUrl }).close();
    }
    await createSolver({
      apiKey: KEY,
      baseUrl: 'http://solver.example',
      allowInsecure: true,
    }).close();
  });
});

describe('the key stays secret', () => {
  it('is not in util.inspect, JSON or any error seen in this file', async () => {
    server = await startScripted({});
    solver = createSolver(fast());
    expect(inspect(solver, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(
      KEY,
    );
    expect(JSON.stringify(solver)).not.toContain(KEY);
    expect(Object.values(solver).join()).not.toContain(KEY);
    expect(seenErrors.length).toBeGreaterThan(20);
    for (const error of seenErrors) {
      const shown = inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true });
      expect(shown).not.toContain(KEY);
      expect(JSON.stringify(error)).not.toContain(KEY);
    }
  });
});
