import { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  SolverClosedError,
  SolverError,
  SolverTimeoutError,
  type Task,
} from '../../src/solver/index.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { drive, json, text } from './fake-server.js';
import { serverAndSolverPerTest } from './per-test.js';

const each = serverAndSolverPerTest({ submitRetries: 0, transientDelay: 1 });
const task: Task = { type: 'image', body: 'iVBORw0KGgo=' };

/** A dispatcher that queues every request and never gives it a socket (a Pool with all sockets busy). */
class NeverConnects extends Dispatcher {
  readonly queued: unknown[] = [];
  #onQueued: (() => void) | undefined;
  /** Resolves once `n` requests are queued. */
  waitFor(n: number): Promise<void> {
    if (this.queued.length >= n) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onQueued = () => {
        if (this.queued.length >= n) resolve();
      };
    });
  }
  override dispatch(
    _options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    this.queued.push(handler);
    this.#onQueued?.();
    return true;
  }
  override async close(): Promise<void> {}
  override async destroy(): Promise<void> {}
}

describe('time limits are hard limits', () => {
  it('requestTimeout ends a request whose body drips, before the next chunk (not when it arrives)', async () => {
    // A chunk every 1.5 s: undici's bodyTimeout (2.1 s between chunks) never fires. The limit
    // must end the request at 2.1 s, so the chunk due at 3 s is never written.
    let written = 0;
    let closed = false;
    await each.server((request, res) => {
      if (request.path !== '/in.php') return text(res, 'no', 404);
      res.writeHead(200, { 'content-type': 'text/plain' });
      const drip = (): void => {
        if (closed) return;
        written++;
        res.write('O');
        timer = setTimeout(drip, 1_500);
      };
      let timer: ReturnType<typeof setTimeout> | undefined;
      res.on('close', () => {
        closed = true;
        clearTimeout(timer);
      });
      drip();
    });
    const solver = each.solver({ requestTimeout: 2_100 });
    const error = await solver.solve(task).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SolverError);
    expect(error).toMatchObject({ kind: 'transient', phase: 'submit' });
    expect((error as Error).message).toContain('the request timeout');
    expect(written).toBe(2);
  });

  it('the solve deadline ends a submit whose body drips, as a transient SolverTimeoutError', async () => {
    await each.server((_, res) => {
      res.writeHead(200);
      res.write('O');
      const timer = setInterval(() => res.write('K'), 200);
      res.on('close', () => clearInterval(timer));
    });
    const solver = each.solver({ timeout: 700, requestTimeout: 60_000 });
    const error = await solver.solve(task).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SolverTimeoutError);
    expect(error).toMatchObject({
      kind: 'transient',
      code: 'ERR_BPK_SOLVER_DEADLINE',
      phase: 'submit',
    });
    expect(((error as Error).cause as Error).message).toContain('the request timeout');
  });
});

describe('deadline errors say why', () => {
  /** Solves `task` on a VirtualClock with a 30 s deadline, polls every 5 s; the rejection. */
  const deadlineError = (): Promise<unknown> => {
    const clock = new VirtualClock();
    const solver = each.solver({
      clock,
      timeout: 30_000,
      firstPollDelay: 5_000,
      pollInterval: 5_000,
    });
    return drive(clock, solver.solve(task)).catch((e: unknown) => e);
  };

  it('every poll failed transiently: kind transient, the last failure as cause', async () => {
    await each.scripted({
      polls: [(res) => text(res, '<html>502 Bad Gateway</html>', 502, 'text/html')],
    });
    const error = await deadlineError();
    expect(error).toBeInstanceOf(SolverTimeoutError);
    expect(error).toMatchObject({
      kind: 'transient',
      code: 'ERR_BPK_SOLVER_DEADLINE',
      phase: 'poll',
    });
    expect((error as SolverError).cause).toMatchObject({ kind: 'transient', status: 502 });
    expect((error as Error).message).toContain('could not be reached');
  });

  it('the service kept answering not ready: kind unsolvable', async () => {
    await each.scripted({ polls: [(res) => json(res, 0, 'CAPCHA_NOT_READY')] });
    const error = await deadlineError();
    expect(error).toMatchObject({ kind: 'unsolvable', code: 'ERR_BPK_SOLVER_DEADLINE' });
    expect((error as Error).cause).toBeUndefined();
  });

  it('failures early, then not ready to the end: unsolvable (the service was reachable at the end)', async () => {
    let polls = 0;
    await each.scripted({
      polls: [(res) => (++polls <= 2 ? text(res, '', 503) : json(res, 0, 'CAPCHA_NOT_READY'))],
    });
    const error = await deadlineError();
    expect(error).toMatchObject({ kind: 'unsolvable', code: 'ERR_BPK_SOLVER_DEADLINE' });
  });
});

describe('aborts settle at once', () => {
  it('a request still queued for a socket settles on abort, without reaching one', async () => {
    const dispatcher = new NeverConnects();
    const solver = each.solver({ dispatcher });
    const controller = new AbortController();
    const pending = solver.solve(task, { signal: controller.signal });
    await dispatcher.waitFor(1);
    controller.abort(new Error('user gave up'));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ERR_BPK_ABORTED' });
    expect(solver.stats().inFlight).toBe(0);
  }, 10_000);

  it('close() settles every request still queued for a socket', async () => {
    const dispatcher = new NeverConnects();
    const solver = each.solver({ dispatcher });
    const pending = [solver.solve(task), solver.balance(), solver.solve(task)];
    await dispatcher.waitFor(3);
    await solver.close();
    const results = await Promise.allSettled(pending);
    for (const r of results)
      expect(r).toMatchObject({ status: 'rejected', reason: expect.any(SolverClosedError) });
  }, 10_000);

  it('one signal shared by many calls prints no MaxListenersExceededWarning', async () => {
    await each.scripted({ polls: [(res) => json(res, 0, 'CAPCHA_NOT_READY')] });
    const solver = each.solver({ pollInterval: 5 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const calls = Array.from({ length: 40 }, () =>
        solver.solve(task, { signal: controller.signal }),
      );
      // Let every call register and a few polls go out before aborting them all.
      while (solver.stats().polls < 40) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      const results = await Promise.allSettled(calls);
      expect(results.every((r) => r.status === 'rejected' && r.reason.name === 'AbortError')).toBe(
        true,
      );
      // process 'warning' is emitted on a later tick
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
