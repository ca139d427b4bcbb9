import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WaiterQueue } from '../../src/internal/waiter-queue.js';

type Outcome = { ok: IteratorResult<number> } | { error: unknown };

/** Records how each parked promise settled, by the order it was parked in. */
function recorder(queue: WaiterQueue<number>) {
  const outcomes: (Outcome | undefined)[] = [];
  return {
    outcomes,
    park() {
      const index = outcomes.push(undefined) - 1;
      void queue.park().then(
        (ok) => {
          outcomes[index] = { ok };
        },
        (error: unknown) => {
          outcomes[index] = { error };
        },
      );
    },
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('WaiterQueue', () => {
  it('settles waiters oldest first, the first one and those queued behind it alike', async () => {
    const queue = new WaiterQueue<number>();
    const { outcomes, park } = recorder(queue);
    park();
    park();
    park();
    expect(queue.size).toBe(3);
    queue.resolveOldest({ done: false, value: 1 });
    queue.rejectOldest('boom');
    park();
    expect(queue.size).toBe(2);
    queue.resolveAll({ done: true, value: undefined });
    expect(queue.size).toBe(0);
    await flush();
    expect(outcomes).toEqual([
      { ok: { done: false, value: 1 } },
      { error: 'boom' },
      { ok: { done: true, value: undefined } },
      { ok: { done: true, value: undefined } },
    ]);
  });

  it('property: behaves as a FIFO of pending promises', async () => {
    const op = fc.oneof(
      fc.constant({ kind: 'park' as const }),
      fc.record({ kind: fc.constant('resolveOldest' as const), value: fc.integer() }),
      fc.record({ kind: fc.constant('rejectOldest' as const), value: fc.integer() }),
      fc.constant({ kind: 'resolveAll' as const }),
      fc.record({ kind: fc.constant('rejectAll' as const), value: fc.integer() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), async (ops) => {
        const queue = new WaiterQueue<number>();
        const { outcomes, park } = recorder(queue);
        const expected: (Outcome | undefined)[] = [];
        const pending: number[] = []; // indexes of parked, unsettled waiters, oldest first
        for (const o of ops) {
          if (o.kind === 'park') {
            park();
            pending.push(expected.push(undefined) - 1);
          } else if (o.kind === 'resolveAll' || o.kind === 'rejectAll') {
            const outcome: Outcome =
              o.kind === 'resolveAll'
                ? { ok: { done: true, value: undefined } }
                : { error: o.value };
            for (const i of pending.splice(0)) expected[i] = outcome;
            if (o.kind === 'resolveAll') queue.resolveAll({ done: true, value: undefined });
            else queue.rejectAll(o.value);
          } else if (pending.length > 0) {
            const i = pending.shift()!;
            if (o.kind === 'resolveOldest') {
              expected[i] = { ok: { done: false, value: o.value } };
              queue.resolveOldest({ done: false, value: o.value });
            } else {
              expected[i] = { error: o.value };
              queue.rejectOldest(o.value);
            }
          }
          expect(queue.size).toBe(pending.length);
        }
        await flush();
        expect(outcomes).toEqual(expected);
        queue.resolveAll({ done: true, value: undefined }); // leave nothing pending
      }),
      { numRuns: 200 },
    );
  });
});
