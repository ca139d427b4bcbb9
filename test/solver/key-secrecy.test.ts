import { inspect } from 'node:util';
import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { createSolver, type SolverOptions, type Task } from '../../src/solver/index.js';
import { json, rejection, text } from './fake-server.js';
import { serverAndSolverPerTest, TEST_KEY } from './per-test.js';

const each = serverAndSolverPerTest({ submitRetries: 0, transientDelay: 1 });
const task: Task = { type: 'hcaptcha', sitekey: 'hc', pageurl: 'https://example.com/' };
/** The forms the key can take in text: as is, URL-encoded, upper-cased. */
const forms = [TEST_KEY, encodeURIComponent(TEST_KEY), TEST_KEY.toUpperCase()];

/**
 * Every string reachable from `value`: own properties (string and symbol keys, enumerable or
 * not: `message`, `stack`, `cause`, `received`…), getters' values, array items, the `cause`
 * chain, and `util.inspect` of the whole.
 */
function reachableStrings(value: unknown): string[] {
  const out: string[] = [inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true })];
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      out.push(v);
      return;
    }
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'symbol') {
      out.push(String(v));
      return;
    }
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null) return;
    if (seen.has(v) || depth > 12) return;
    seen.add(v);
    if (Buffer.isBuffer(v)) {
      out.push(v.toString('utf8'));
      return;
    }
    for (const key of Reflect.ownKeys(v)) {
      out.push(String(key));
      const descriptor = Object.getOwnPropertyDescriptor(v, key)!;
      let item: unknown = descriptor.value;
      if (descriptor.get) {
        try {
          item = descriptor.get.call(v);
        } catch {
          continue;
        }
      }
      visit(item, depth + 1);
    }
    // the prototype's getters (e.g. `cause` defined by a class) too
    const proto = Object.getPrototypeOf(v);
    if (proto && proto !== Object.prototype && proto !== Error.prototype) {
      for (const key of Reflect.ownKeys(proto)) {
        const d = Object.getOwnPropertyDescriptor(proto, key)!;
        if (d.get) {
          try {
            visit(d.get.call(v), depth + 1);
          } catch {}
        }
      }
    }
  };
  visit(value, 0);
  return out;
}

function expectNoKey(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  for (const s of reachableStrings(error)) for (const form of forms) expect(s).not.toContain(form);
}

describe('the key never escapes', () => {
  it('the walker finds a key wherever it hides (so the checks below can fail)', () => {
    const error = new Error('fine', { cause: { deep: [{ x: Buffer.from(TEST_KEY) }] } });
    Object.defineProperty(error, Symbol('hidden'), { value: TEST_KEY, enumerable: false });
    expect(() => expectNoKey(error)).toThrow();
    const plain = new Error('fine');
    Object.defineProperty(plain, 'secret', { enumerable: false, get: () => `x${TEST_KEY}` });
    expect(() => expectNoKey(plain)).toThrow();
  });

  it("undici MockAgent: an unmatched request's error does not carry the form body", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    // An interceptor that does not match makes undici name the request body in its error.
    agent
      .get('https://ocr.captchaai.com')
      .intercept({ path: '/in.php', method: 'POST', body: 'something else' })
      .reply(200, 'OK|1');
    try {
      const solver = each.adopt(
        createSolver({ apiKey: TEST_KEY, dispatcher: agent, submitRetries: 0 }),
      );
      const error = await rejection(solver.solve(task));
      expect(error).toMatchObject({ kind: 'transient', phase: 'submit' });
      expectNoKey(error);
    } finally {
      await agent.close();
    }
  });

  it('a network failure (nothing listening) keeps only a name and code as cause', async () => {
    const solver = each.solver({ baseUrl: 'http://127.0.0.1:1' });
    const error = await rejection(solver.solve(task));
    expect(error).toMatchObject({ kind: 'transient', cause: { code: 'ECONNREFUSED' } });
    expectNoKey(error);
  });

  const wrongTypes: [string, unknown][] = [
    ['a Buffer', Buffer.from(TEST_KEY)],
    ['an array', [TEST_KEY]],
    ['an object', { key: TEST_KEY }],
    ['a number', 1234567890123456],
    ['a String object', new String(TEST_KEY)],
  ];
  for (const [name, apiKey] of wrongTypes) {
    it(`a wrong-typed apiKey (${name}) is a TypeError that does not hold it`, () => {
      let error: unknown;
      try {
        createSolver({ apiKey } as unknown as SolverOptions);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toMatchObject({ option: 'apiKey', code: 'ERR_BPK_INVALID_OPTION_TYPE' });
      expectNoKey(error);
      expect((error as { received: unknown }).received).not.toBe(apiKey);
      for (const s of reachableStrings(error)) expect(s).not.toContain('1234567890');
    });
  }

  it('a key with a lone surrogate is refused without showing it', () => {
    let error: unknown;
    try {
      createSolver({ apiKey: `${TEST_KEY}\ud800` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    expectNoKey(error);
  });

  for (const baseUrl of [
    `https://user:${TEST_KEY}@ocr.example.com/`,
    `https://${TEST_KEY}@ocr.example.com/`,
    `https://ocr.example.com/?key=${TEST_KEY}`,
    `https://ocr.example.com/#${TEST_KEY}`,
    `not a url ${TEST_KEY}`,
    `ftp://ocr.example.com/?k=${TEST_KEY}`,
  ]) {
    it(`a baseUrl error does not echo userinfo, query or fragment (${baseUrl.slice(0, 24)}…)`, () => {
      let error: unknown;
      try {
        createSolver({ apiKey: 'k', baseUrl });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ option: 'baseUrl' });
      expectNoKey(error);
    });
  }

  const echoes: [string, Parameters<typeof each.scripted>[0], 'submit' | 'poll'][] = [
    [
      'a 5xx page quoting the key',
      { submits: [(res) => text(res, `<html>${TEST_KEY}</html>`, 500, 'text/html')] },
      'submit',
    ],
    [
      'an error code that is the key',
      { submits: [(res) => json(res, 0, TEST_KEY.toUpperCase())] },
      'submit',
    ],
    [
      'a content type holding the key',
      { submits: [(res) => text(res, 'garbage', 200, `text/${TEST_KEY}`)] },
      'submit',
    ],
    [
      'a task id that is the key',
      {
        submits: [(res) => json(res, 1, TEST_KEY)],
        polls: [(res) => json(res, 0, 'ERROR_CAPTCHA_UNSOLVABLE')],
      },
      'poll',
    ],
    [
      'a JSON error with the key in request',
      { polls: [(res) => json(res, 0, `ERROR ${TEST_KEY}`)] },
      'poll',
    ],
  ];
  for (const [name, script, phase] of echoes) {
    it(`a server echoing the key (${name}): not in any error`, async () => {
      await each.scripted(script);
      // a short deadline: unreadable poll answers are polled again until it
      const error = await rejection(each.solver({ timeout: 200 }).solve(task));
      expect(error).toMatchObject({ phase });
      expectNoKey(error);
    });
  }

  it('a token that echoes the key is not handed out with the key in it', async () => {
    await each.scripted({ polls: [(res) => json(res, 1, `tok-${TEST_KEY}`)] });
    const solution = await each.solver().solve(task);
    for (const s of reachableStrings(solution))
      for (const form of forms) expect(s).not.toContain(form);
  });

  it('every other error path: abort, close, deadline, fatal account, invalid task', async () => {
    await each.scripted({ polls: [(res) => json(res, 0, 'CAPCHA_NOT_READY')] });
    const solver = each.solver({ timeout: 50, pollInterval: 5 });
    const errors: unknown[] = [];
    errors.push(await rejection(solver.solve(task))); // deadline
    const controller = new AbortController();
    const aborted = solver.solve(task, { signal: controller.signal });
    controller.abort(new Error('stop'));
    errors.push(await rejection(aborted));
    errors.push(await rejection(solver.solve({ type: 'image', body: '%%%' })));
    errors.push(await rejection(solver.solve(task, { resumeId: `${TEST_KEY} ` })));
    const closing = rejection(solver.solve(task));
    await solver.close();
    errors.push(await closing);
    for (const error of errors) expectNoKey(error);
  });

  it('a fatal account answer, and the submit refused after it', async () => {
    await each.scripted({ submits: [(res) => json(res, 0, 'ERROR_WRONG_USER_KEY')] });
    const solver = each.solver();
    expectNoKey(await rejection(solver.solve(task)));
    expectNoKey(await rejection(solver.solve(task))); // refused locally after the fatal answer
  });
});
