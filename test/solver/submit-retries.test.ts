import { describe, expect, it } from 'vitest';
import { InvalidOptionValueError } from '../../src/errors.js';
import { SolverTimeoutError, type Task } from '../../src/solver/index.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { drive, json, text } from './fake-server.js';
import { serverAndSolverPerTest } from './per-test.js';

const each = serverAndSolverPerTest({ transientDelay: 1 });
const task: Task = { type: 'turnstile', sitekey: '0x4AAA', pageurl: 'https://example.com/' };
const html502 = (res: Parameters<typeof text>[0]): void =>
  text(res, '<html><body>502 Bad Gateway</body></html>', 502, 'text/html');

describe('solve() retries transient submit failures itself', () => {
  it('an HTML 502 on submit is retried, and the task solved', async () => {
    const server = await each.scripted({ submits: [html502, (res) => json(res, 1, 77)] });
    const solver = each.solver();
    const solution = await solver.solve(task);
    expect(solution).toMatchObject({ id: '77', token: 'TOKEN', submits: 2, resumed: false });
    expect(server.requests.filter((r) => r.path === '/in.php')).toHaveLength(2);
    expect(solver.stats()).toMatchObject({ submits: 2, submitRetries: 1, solved: 1 });
  });

  it('a connection reset on submit is retried', async () => {
    await each.scripted({
      submits: [(res) => res.socket?.destroy(), (res) => json(res, 1, 78)],
    });
    await expect(each.solver().solve(task)).resolves.toMatchObject({ id: '78', submits: 2 });
  });

  it('waits the failure retryAfter between submits (on the injected clock)', async () => {
    const server = await each.scripted({
      submits: [(res) => text(res, '', 503), (res) => json(res, 1, 79)],
    });
    const clock = new VirtualClock();
    const solver = each.solver({ clock, transientDelay: 4_000, firstPollDelay: 0 });
    const solution = await drive(clock, solver.solve(task));
    expect(solution.submits).toBe(2);
    expect(clock.now()).toBe(4_000);
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after submitRetries, with the last failure', async () => {
    const server = await each.scripted({ submits: [html502] });
    const solver = each.solver({ submitRetries: 3 });
    await expect(solver.solve(task)).rejects.toMatchObject({
      kind: 'transient',
      status: 502,
      phase: 'submit',
    });
    expect(server.requests).toHaveLength(4);
    expect(solver.stats()).toMatchObject({ submits: 4, submitRetries: 3, failed: 1 });
  });

  it('submitRetries: 0 per call makes one submit', async () => {
    const server = await each.scripted({ submits: [html502] });
    const solver = each.solver({ submitRetries: 5 });
    await expect(solver.solve(task, { submitRetries: 0 })).rejects.toMatchObject({
      kind: 'transient',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('never retries past the deadline: a transient SolverTimeoutError with the last failure', async () => {
    const server = await each.scripted({ submits: [html502] });
    const clock = new VirtualClock();
    const solver = each.solver({
      clock,
      transientDelay: 5_000,
      timeout: 12_000,
      submitRetries: 10,
    });
    const error = await drive(clock, solver.solve(task)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SolverTimeoutError);
    expect(error).toMatchObject({
      kind: 'transient',
      phase: 'submit',
      code: 'ERR_BPK_SOLVER_DEADLINE',
    });
    expect((error as Error).cause).toMatchObject({ kind: 'transient', status: 502 });
    // submits at 0, 5 s and 10 s; the next would be at 15 s, past the 12 s deadline
    expect(server.requests).toHaveLength(3);
    expect(clock.now()).toBe(12_000);
  });

  it('an error answer that is not transient is not retried', async () => {
    const server = await each.scripted({
      submits: [(res) => json(res, 0, 'ERROR_BAD_PARAMETERS')],
    });
    await expect(each.solver({ submitRetries: 5 }).solve(task)).rejects.toMatchObject({
      kind: 'fatal-item',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('validates submitRetries', () => {
    expect(() => each.solver({ submitRetries: -1 })).toThrow(InvalidOptionValueError);
    expect(() => each.solver({ submitRetries: 1.5 })).toThrow(InvalidOptionValueError);
  });
});
