import { describe, expect, it } from 'vitest';
import { SAMPLE_IMAGE_BASE64 } from '../../src/mock/index.js';
import {
  type SolveResult,
  type SolveStageOptions,
  solveStage,
  type Task,
} from '../../src/solver/index.js';
import { expectNoLeaksAfterEach } from './fake-server.js';
import { closeAll, mockAndSolver } from './with-mock.js';

// Every count below is read from the mock's recorder (`mock.state()`), never from timing: the
// stage's counters and each record's `attempts` must add up to the requests the service saw.

expectNoLeaksAfterEach(closeAll);

const image: Task = { type: 'image', body: SAMPLE_IMAGE_BASE64, id: 'only' };
const html5xx = { fault: { kind: 'html-5xx' as const } };
const noSlot = 'ERROR_NO_SLOT_AVAILABLE';

const fastStage: SolveStageOptions = {
  retryDelay: 5,
  maxRetryDelay: 50,
  rateLimit: false,
  breaker: { failureThreshold: 100, resetTimeout: 50 },
};

async function drain(iterable: AsyncIterable<SolveResult>): Promise<SolveResult[]> {
  const records: SolveResult[] = [];
  for await (const r of iterable) records.push(r);
  return records;
}

describe('solveStage retry budgets, counted from the mock', () => {
  it('transient: `retries` per task, kept across overload retries (not refilled by a drop)', async () => {
    const { mock, solver } = await mockAndSolver({
      latency: 0,
      script: { in: [noSlot, html5xx, noSlot, html5xx, html5xx, 'OK'] },
    });
    const stage = solveStage(solver, { ...fastStage, retries: 2 });
    const [record] = await drain(stage([image]));
    const state = mock.state();
    expect(state.routes.in).toBe(5);
    expect(state.faults['html-5xx']).toBe(3);
    expect(state.answers[noSlot]).toBe(2);
    // 1 + 2 transient retries + 2 overload retries; the third transient failure is final
    expect(record).toMatchObject({ status: 'failed', kind: 'transient', attempts: 5 });
    expect(stage.stats()).toMatchObject({
      submits: state.routes.in,
      retries: 2,
      overloads: state.answers[noSlot],
      resubmits: 0,
    });
  });

  it('transient: `retries` per task, kept across unsolvable resubmits', async () => {
    const { mock, solver } = await mockAndSolver({
      latency: 0,
      script: { in: [html5xx, 'OK', html5xx, html5xx, 'OK'], tasks: [{ outcome: 'unsolvable' }] },
    });
    const stage = solveStage(solver, { ...fastStage, retries: 2, resubmitUnsolvable: 1 });
    const [record] = await drain(stage([image]));
    const state = mock.state();
    expect(state.routes.in).toBe(4);
    expect(state.tasks).toMatchObject({ created: 1, unsolvable: 1 });
    // 1 + 2 transient retries + 1 resubmit; the third transient failure is final
    expect(record).toMatchObject({ status: 'failed', kind: 'transient', attempts: 4 });
    expect(stage.stats()).toMatchObject({ submits: 4, retries: 2, resubmits: 1 });
  });

  it('unsolvable: `resubmitUnsolvable` new submits per task, each one a new task at the service', async () => {
    const { mock, solver } = await mockAndSolver({
      latency: 0,
      script: { tasks: [{ outcome: 'unsolvable' }, { outcome: 'unsolvable' }, {}] },
    });
    const stage = solveStage(solver, { ...fastStage, resubmitUnsolvable: 2 });
    const [record] = await drain(stage([image]));
    const state = mock.state();
    expect(state.tasks).toMatchObject({ created: 3, unsolvable: 2, solved: 1 });
    expect(record).toMatchObject({ status: 'solved', attempts: state.routes.in });
    expect(stage.stats()).toMatchObject({
      submits: 3,
      resubmits: state.tasks.unsolvable,
      retries: 0,
    });
  });

  it('unsolvable past its budget: a failed record after 1 + resubmitUnsolvable submits', async () => {
    const { mock, solver } = await mockAndSolver({ latency: 0, unsolvableRate: 1 });
    const stage = solveStage(solver, { ...fastStage, resubmitUnsolvable: 1 });
    const [record] = await drain(stage([image]));
    expect(record).toMatchObject({ status: 'failed', kind: 'unsolvable', attempts: 2 });
    expect(mock.state().tasks).toMatchObject({ created: 2, unsolvable: 2 });
    expect(stage.stats().resubmits).toBe(1);
  });

  it('overload: retried by the concurrency limit within `overloadRetries`, then a failed record', async () => {
    const { mock, solver } = await mockAndSolver({
      latency: 0,
      script: { in: [noSlot, noSlot, noSlot, noSlot, 'OK'] },
    });
    const stage = solveStage(solver, { ...fastStage, overloadRetries: 2, retries: 5 });
    const [record] = await drain(stage([image]));
    const state = mock.state();
    expect(state.routes.in).toBe(3);
    expect(record).toMatchObject({ status: 'failed', kind: 'overload', attempts: 3 });
    expect(stage.stats()).toMatchObject({
      overloads: state.answers[noSlot],
      retries: 0,
      submits: 3,
    });
  });

  it('an open breaker makes a retry wait, spending no budget and making no request', async () => {
    const { mock, solver } = await mockAndSolver({
      latency: 0,
      script: { in: [html5xx, 'OK'] },
    });
    const stage = solveStage(solver, {
      ...fastStage,
      retries: 1,
      breaker: { failureThreshold: 1, resetTimeout: 50 },
    });
    const opened: string[] = [];
    stage.breaker.onStateChange((state) => opened.push(state));
    const [record] = await drain(stage([image]));
    const state = mock.state();
    expect(opened[0]).toBe('open');
    expect(record).toMatchObject({ status: 'solved', attempts: 2 });
    expect(state.routes.in).toBe(2);
    expect(stage.stats()).toMatchObject({ retries: state.faults['html-5xx'], submits: 2 });
    expect(stage.breaker.state).toBe('closed');
  });
});
