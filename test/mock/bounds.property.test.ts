import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { MockRequestRecord } from '../../src/mock/index.js';
import { Recorder } from '../../src/mock/recorder.js';
import type { Task } from '../../src/mock/task.js';
import { TaskStore } from '../../src/mock/task-store.js';

function record(i: number, pad: number): MockRequestRecord {
  return {
    at: i,
    route: 'res.get',
    method: 'POST',
    contentType: '',
    keyInUrl: false,
    taskId: undefined,
    answer: 'OK',
    fault: undefined,
    params: { i: String(i), pad: 'p'.repeat(pad) },
  };
}

describe('Recorder log bounds', () => {
  test('a record too large for logBytes is skipped and evicts nothing (seed -484213522)', () => {
    const recorder = new Recorder(2, 328);
    for (const [i, pad] of [0, 83, 0].entries()) recorder.request(record(i, pad));
    expect(recorder.recentRequests().map((r) => Number(r.params.i))).toEqual([0, 2]);
  });

  test.prop([
    fc.integer({ min: 0, max: 50 }),
    fc.integer({ min: 0, max: 20_000 }),
    fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }),
  ])('holds a suffix of the records, within logSize and logBytes', (logSize, logBytes, pads) => {
    const recorder = new Recorder(logSize, logBytes);
    // A record larger than logBytes on its own is never kept (and evicts nothing): the log is
    // a suffix of the records that fit alone.
    const fitting: number[] = [];
    for (const [i, pad] of pads.entries()) {
      const alone = new Recorder(1, logBytes);
      alone.request(record(i, pad));
      if (logSize > 0 && alone.recentRequests().length === 1) fitting.push(i);
      recorder.request(record(i, pad));
      expect(recorder.logHeldBytes).toBeLessThanOrEqual(logBytes);
      const kept = recorder.recentRequests();
      expect(kept.length).toBeLessThanOrEqual(logSize);
      // Newest last, nothing reordered, no gap among the records that fit alone.
      const order = kept.map((r) => Number(r.params.i));
      expect(order).toEqual(fitting.slice(fitting.length - order.length));
    }
  });
});

describe('TaskStore maxTasks bound', () => {
  // Tasks created one per ms, each finishing `latency` ms later, kept `ttl` ms after that.
  test.prop([
    fc.integer({ min: 1, max: 20 }),
    fc.integer({ min: 0, max: 50 }),
    fc.integer({ min: 0, max: 50 }),
    fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 100 }),
  ])(
    'never drops an unfinished task; holds at most max once the oldest is finished; holds nothing expired',
    (max, latency, ttl, latencies) => {
      const store = new TaskStore(1);
      const tasks: Task[] = [];
      const forgotten = new Map<number, 'expired' | 'evicted'>();
      for (const [now, extra] of latencies.entries()) {
        store.sweep(now, (t) => forgotten.set(t.id, 'expired'));
        store.evictFinished(now, max, (t) => forgotten.set(t.id, 'evicted'));
        const solveAt = now + latency + extra;
        const task = { id: store.nextId(), solveAt, expiresAt: solveAt + ttl } as Task;
        tasks.push(task);
        store.add(task);
        // What the engine's tick does after each submit.
        store.sweep(now, (t) => forgotten.set(t.id, 'expired'));
        store.evictFinished(now, max, (t) => forgotten.set(t.id, 'evicted'));
        for (const t of tasks) {
          const held = store.get(t.id) !== undefined;
          if (t.solveAt > now) expect(held, 'unfinished tasks stay').toBe(true);
          if (held && t.expiresAt <= now) expect.unreachable('an expired task is still held');
          if (forgotten.get(t.id) === 'evicted') expect(t.solveAt).toBeLessThanOrEqual(now);
        }
        const unfinished = tasks.filter((t) => t.solveAt > now && store.get(t.id)).length;
        expect(store.size).toBeLessThanOrEqual(Math.max(max, unfinished));
      }
    },
  );
});
