import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriorityShedQueue, SinglePriorityShedQueue } from '../../src/internal/shed-queue.js';

interface Held {
  value: number;
  priority: number;
}

/** The admission and serving rules, written the slow and obvious way. */
class ModelQueue {
  readonly items: Held[] = []; // arrival order
  constructor(
    readonly capacity: number,
    readonly byPriority: boolean,
  ) {}

  offer(value: number, priority: number): { admitted: boolean; evicted?: number } {
    if (this.items.length < this.capacity) {
      this.items.push({ value, priority });
      return { admitted: true };
    }
    const lowest = Math.min(...this.items.map((i) => i.priority));
    if (lowest >= priority) return { admitted: false };
    const index = this.items.findIndex((i) => i.priority === lowest);
    const [victim] = this.items.splice(index, 1);
    this.items.push({ value, priority });
    return { admitted: true, evicted: victim!.value };
  }

  take(): number {
    let index = 0;
    if (this.byPriority) {
      for (let i = 1; i < this.items.length; i++) {
        if (this.items[i]!.priority > this.items[index]!.priority) index = i;
      }
    }
    return this.items.splice(index, 1)[0]!.value;
  }
}

describe('PriorityShedQueue', () => {
  it('property: admits, evicts and serves exactly like the model, whatever the priorities', () => {
    const priorities = fc.oneof(
      fc.integer({ min: 0, max: 3 }), // a handful of levels
      fc.integer({ min: -1_000_000, max: 1_000_000 }), // mostly distinct
      fc.double({ noNaN: true }), // including ±Infinity and -0
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.array(fc.option(priorities, { freq: 3 }), { maxLength: 300 }),
        (capacity, byPriority, ops) => {
          const queue = new PriorityShedQueue<number>(capacity, byPriority);
          const model = new ModelQueue(capacity, byPriority);
          ops.forEach((priority, value) => {
            if (priority === null) {
              if (model.items.length > 0) expect(queue.take()).toBe(model.take());
            } else {
              const got = queue.offer(value, priority);
              const want = model.offer(value, priority);
              expect({ admitted: got.admitted, evicted: got.evicted?.value }).toEqual(want);
            }
            expect(queue.size).toBe(model.items.length);
            expect(queue.levelCount).toBe(new Set(model.items.map((i) => i.priority)).size);
          });
          while (model.items.length > 0) expect(queue.take()).toBe(model.take());
          expect(queue.levelCount).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: the single-priority store behaves as the general one with one priority', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.array(fc.boolean(), { maxLength: 300 }),
        (capacity, byPriority, ops) => {
          const single = new SinglePriorityShedQueue<number>(capacity);
          const general = new PriorityShedQueue<number>(capacity, byPriority);
          ops.forEach((isOffer, value) => {
            if (isOffer) expect(single.offer(value)).toEqual(general.offer(value, 0));
            else if (general.size > 0) expect(single.take()).toBe(general.take());
            expect(single.size).toBe(general.size);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
