import type { ServerResponse } from 'node:http';
import { Agent, type Dispatcher, interceptors } from 'undici';
import { describe, expect, it } from 'vitest';
import { createSolver, SolverError, type Task } from '../../src/solver/index.js';
import { type FakeServer, json, rejection, startFakeServer, text } from './fake-server.js';
import { serverAndSolverPerTest, TEST_KEY } from './per-test.js';

const each = serverAndSolverPerTest({ submitRetries: 0, transientDelay: 1 });
const task: Task = { type: 'hcaptcha', sitekey: 'hc', pageurl: 'https://example.com/' };

async function solverRejection(promise: Promise<unknown>): Promise<SolverError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(SolverError);
  return error as SolverError;
}

describe('redirects are never followed', () => {
  /** A second host that would accept anything: it must never be asked. */
  let elsewhere: FakeServer;
  const redirectTo =
    (status: number) =>
    (res: ServerResponse): void => {
      res.writeHead(status, { location: `${elsewhere.url}/in.php` });
      res.end();
    };
  const dispatchers: [string, () => Dispatcher][] = [
    [
      'undici redirect interceptor',
      () => new Agent().compose(interceptors.redirect({ maxRedirections: 3 })),
    ],
  ];

  for (const status of [301, 302, 303, 307, 308]) {
    for (const [name, make] of dispatchers) {
      it(`HTTP ${status} on submit with the ${name}: transient naming the status, nothing sent elsewhere`, async () => {
        elsewhere = await startFakeServer((_, res) => text(res, 'OK|1234'));
        const dispatcher = make();
        try {
          const server = await each.server((_, res) => redirectTo(status)(res));
          const solver = each.solver({ dispatcher });
          const error = await solverRejection(solver.solve(task));
          expect(error).toMatchObject({ kind: 'transient', status, phase: 'submit' });
          expect(error.message).toContain(`HTTP ${status}`);
          expect(error.message).toContain('redirect');
          expect(elsewhere.requests).toEqual([]);
          expect(server.requests).toHaveLength(1);
        } finally {
          await dispatcher.close();
          await elsewhere.close();
        }
      });
    }
  }

  it('a 3xx on poll is transient (polled again), never a token', async () => {
    elsewhere = await startFakeServer((_, res) => text(res, 'OK|FOREIGN'));
    const dispatcher = new Agent().compose(interceptors.redirect({ maxRedirections: 3 }));
    try {
      let polls = 0;
      await each.scripted({
        polls: [
          (res) => {
            polls++;
            if (polls === 1) redirectTo(302)(res);
            else json(res, 1, 'REAL');
          },
        ],
      });
      const solver = each.solver({ dispatcher });
      await expect(solver.solve(task)).resolves.toMatchObject({ token: 'REAL', polls: 2 });
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await dispatcher.close();
      await elsewhere.close();
    }
  });

  it('an answer a dispatcher reached by following a redirect anyway is refused', async () => {
    elsewhere = await startFakeServer((_, res) => text(res, 'OK|FOREIGN'));
    // A dispatcher that follows redirects whatever the request asks for.
    const follow = interceptors.redirect({ maxRedirections: 3 });
    const stubborn = new Agent().compose(
      (dispatch) => (opts, handler) =>
        follow(dispatch)({ ...opts, maxRedirections: 3 } as typeof opts, handler),
    );
    try {
      await each.server((_, res) => redirectTo(303)(res));
      const solver = each.solver({ dispatcher: stubborn });
      const error = await solverRejection(solver.solve(task));
      expect(error).toMatchObject({ kind: 'transient', phase: 'submit' });
      expect(error.message).toContain('redirect');
      // the foreign host answered, but its answer was not taken as a task id
      expect(elsewhere.requests).toHaveLength(1);
      expect(solver.stats().polls).toBe(0);
    } finally {
      await stubborn.close();
      await elsewhere.close();
    }
  });
});

describe('answers are checked', () => {
  const badTokens: [string, (res: ServerResponse) => void, string][] = [
    ['an empty token (text)', (res) => text(res, 'OK|'), 'an empty token'],
    ['an empty token (JSON)', (res) => json(res, 1, ''), 'an empty token'],
    ['a blank token', (res) => json(res, 1, '   '), 'a blank token'],
    [
      'a token with a control character',
      (res) => json(res, 1, 'abc\u0007def'),
      'control characters',
    ],
    ['a token with CR/LF inside', (res) => json(res, 1, 'abc\r\ndef'), 'control characters'],
    [
      'a token that is not valid UTF-8',
      (res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(
          Buffer.concat([Buffer.from('OK|abc'), Buffer.from([0xc3, 0x28]), Buffer.from('def')]),
        );
      },
      'not valid UTF-8',
    ],
    [
      'a token with a lone surrogate',
      (res) => res.end('{"status":1,"request":"ab\\ud800cd"}'),
      'lone UTF-16 surrogate',
    ],
  ];
  for (const [name, step, says] of badTokens) {
    it(`${name} is not a solution: unsolvable, naming why`, async () => {
      await each.scripted({ polls: [step] });
      const solver = each.solver();
      const error = await solverRejection(solver.solve(task));
      expect(error).toMatchObject({
        kind: 'unsolvable',
        code: 'ERR_BPK_SOLVER_UNSOLVABLE',
        phase: 'poll',
      });
      expect(error.message).toContain(says);
      expect(solver.stats().solved).toBe(0);
    });
  }

  const badIds: [string, (res: ServerResponse) => void, string][] = [
    ['with CR/LF', (res) => json(res, 1, '12\r\n34'), 'control or non-ASCII'],
    ['with a space', (res) => text(res, 'OK|12 34'), 'spaces'],
    ['of 200 KB', (res) => json(res, 1, '7'.repeat(200 * 1024)), 'longer than 128'],
    ['empty', (res) => text(res, 'OK|'), 'an empty task id'],
    [
      'not valid UTF-8',
      (res) => {
        res.writeHead(200);
        res.end(Buffer.concat([Buffer.from('OK|12'), Buffer.from([0xff])]));
      },
      'not valid UTF-8',
    ],
  ];
  for (const [name, step, says] of badIds) {
    it(`a task id ${name} is refused: transient, never polled, not in the message`, async () => {
      const server = await each.scripted({ submits: [step] });
      const solver = each.solver();
      const error = await solverRejection(solver.solve(task));
      expect(error).toMatchObject({ kind: 'transient', phase: 'submit', taskId: undefined });
      expect(error.message).toContain(says);
      expect(error.message.length).toBeLessThan(200);
      expect(server.requests.filter((r) => r.path === '/res.php')).toEqual([]);
    });
  }

  it('a good token with surrounding whitespace in text mode is trimmed and accepted', async () => {
    await each.scripted({ polls: [(res) => text(res, 'OK|03AGdBq2-tok\n')] });
    await expect(each.solver().solve(task)).resolves.toMatchObject({ token: '03AGdBq2-tok' });
  });

  it('a balance answered as an empty OK| is not a balance of 0', async () => {
    await each.scripted({ other: (res) => text(res, 'OK|') });
    await expect(each.solver().balance()).rejects.toMatchObject({ kind: 'transient' });
  });

  it('uses the same key everywhere (sanity: the fixture really sends TEST_KEY)', async () => {
    const server = await each.scripted({});
    const solver = createSolver({ apiKey: TEST_KEY, baseUrl: server.url, firstPollDelay: 0 });
    each.adopt(solver);
    await solver.solve(task);
    expect(server.requests[0]!.body.get('key')).toBe(TEST_KEY);
  });
});
