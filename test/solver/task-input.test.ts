import { describe, expect, it } from 'vitest';
import {
  InvalidTaskError,
  type SolveResult,
  solveStage,
  type Task,
  validateTask,
} from '../../src/solver/index.js';
import { serverAndSolverPerTest } from './per-test.js';

const each = serverAndSolverPerTest({ submitRetries: 0 });
const lone = 'ab\ud800cd';

describe('one bad task never stops a run', () => {
  const stringFields: [string, Record<string, unknown>][] = [
    ['sitekey', { type: 'hcaptcha', sitekey: lone, pageurl: 'https://example.com/' }],
    ['pageurl', { type: 'turnstile', sitekey: 'k', pageurl: `https://example.com/${lone}` }],
    ['action', { type: 'turnstile', sitekey: 'k', pageurl: 'https://example.com/', action: lone }],
    ['data', { type: 'turnstile', sitekey: 'k', pageurl: 'https://example.com/', data: lone }],
    [
      'action',
      { type: 'recaptcha-v3', sitekey: 'k', pageurl: 'https://example.com/', action: lone },
    ],
    ['id', { type: 'image', body: 'AAAA', id: lone }],
  ];
  for (const [field, task] of stringFields) {
    it(`a lone surrogate in \`${field}\` is an InvalidTaskError before any request`, async () => {
      expect(() => validateTask(task)).toThrow(InvalidTaskError);
      const server = await each.scripted({});
      const error = await each
        .solver()
        .solve(task as unknown as Task)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTaskError);
      expect(error).toMatchObject({
        field,
        kind: 'fatal-item',
        code: 'ERR_BPK_SOLVER_INVALID_TASK',
      });
      expect(server.requests).toEqual([]);
    });
  }

  it('solveStage: the malformed task is a failed record, every other task is solved', async () => {
    await each.scripted({});
    const stage = solveStage(each.solver(), { rateLimit: false, retryDelay: 1 });
    const tasks: Task[] = [
      { type: 'hcaptcha', sitekey: 'a', pageurl: 'https://example.com/', id: 0 },
      { type: 'hcaptcha', sitekey: lone, pageurl: 'https://example.com/', id: 1 },
      { type: 'hcaptcha', sitekey: 'c', pageurl: 'https://example.com/', id: 2 },
    ];
    const records: SolveResult[] = [];
    for await (const record of stage(tasks)) records.push(record);
    const byId = new Map(records.map((r) => [r.task.id, r]));
    expect(records).toHaveLength(3);
    expect(byId.get(0)).toMatchObject({ status: 'solved' });
    expect(byId.get(1)).toMatchObject({
      status: 'failed',
      kind: 'fatal-item',
      code: 'ERR_BPK_SOLVER_INVALID_TASK',
    });
    expect(byId.get(2)).toMatchObject({ status: 'solved' });
  });

  it('only own enumerable fields count: inherited ones are neither checked nor sent', async () => {
    const server = await each.scripted({});
    const solver = each.solver();
    const inherited = Object.create({ sitekey: 'inherited', pageurl: 'https://example.com/' });
    inherited.type = 'hcaptcha';
    await expect(solver.solve(inherited)).rejects.toMatchObject({ field: 'sitekey' });
    const proto = { invisible: true, action: 'sneaky' };
    const task = Object.assign(Object.create(proto), {
      type: 'recaptcha-v2',
      sitekey: 'own',
      pageurl: 'https://example.com/',
    });
    Object.defineProperty(task, 'hidden', { value: 'x', enumerable: false });
    await solver.solve(task);
    const submit = server.requests.find((r) => r.path === '/in.php')!;
    expect(submit.body.get('googlekey')).toBe('own');
    expect(submit.body.has('invisible')).toBe(false);
    expect(submit.body.has('action')).toBe(false);
  });

  it('reads each field once: a getter cannot pass validation and then send something else', async () => {
    const server = await each.scripted({});
    let reads = 0;
    const task = {
      type: 'hcaptcha',
      pageurl: 'https://example.com/',
      get sitekey() {
        reads++;
        return reads === 1 ? 'checked' : lone;
      },
    };
    await each.solver().solve(task as unknown as Task);
    expect(server.requests.find((r) => r.path === '/in.php')!.body.get('sitekey')).toBe('checked');
  });

  for (const [provider, limit, label] of [
    ['captchaai', 1024 * 1024, 'CaptchaAI'],
    ['2captcha', 600 * 1024, '2captcha'],
  ] as const) {
    it(`an image above ${label}'s documented ${limit / 1024} KB is refused, naming the limit`, async () => {
      const server = await each.scripted({});
      const solver = each.solver({ provider });
      // base64 of exactly `limit` bytes is accepted, one more byte refused
      const atLimit = Buffer.alloc(limit, 1).toString('base64');
      const over = Buffer.alloc(limit + 1, 1).toString('base64');
      expect(() => validateTask({ type: 'image', body: atLimit }, provider)).not.toThrow();
      const error = await solver.solve({ type: 'image', body: over }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTaskError);
      expect(error).toMatchObject({ field: 'body' });
      expect((error as Error).message).toContain(`${label}'s documented limit of ${limit} bytes`);
      expect(server.requests).toEqual([]);
    });
  }
});
