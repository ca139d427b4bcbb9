import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shed } from '../../src/index.js';
import { manualSource, settle } from '../helpers/sources.js';

interface Item {
  id: number;
  priority: number;
}

type Op = { kind: 'push'; priority: number } | { kind: 'take' };

/** The reference model of shed's admission and serving rules, written as plainly as possible. */
function model(capacity: number, order: 'fifo' | 'priority', ops: Op[]) {
  const buffer: Item[] = [];
  let pendingTakes = 1; // the harness starts with a parked consumer
  const emitted: number[] = [];
  const drops: [number, string][] = [];
  let nextId = 0;
  for (const op of ops) {
    if (op.kind === 'push') {
      const item = { id: nextId++, priority: op.priority };
      if (pendingTakes > 0) {
        pendingTakes--;
        emitted.push(item.id);
      } else if (buffer.length < capacity) {
        buffer.push(item);
      } else {
        const lowest = Math.min(...buffer.map((b) => b.priority));
        if (lowest < item.priority) {
          const victim = buffer.findIndex((b) => b.priority === lowest);
          drops.push([buffer[victim]!.id, 'evicted']);
          buffer.splice(victim, 1);
          buffer.push(item);
        } else {
          drops.push([item.id, 'full']);
        }
      }
    } else if (buffer.length === 0) {
      pendingTakes++;
    } else {
      let index = 0;
      if (order === 'priority') {
        const highest = Math.max(...buffer.map((b) => b.priority));
        index = buffer.findIndex((b) => b.priority === highest);
      }
      emitted.push(buffer[index]!.id);
      buffer.splice(index, 1);
    }
  }
  return { emitted, drops, buffered: buffer.length };
}

describe('shed properties', () => {
  it('matches the reference model for any sequence of arrivals and takes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('fifo' as const, 'priority' as const),
        fc.array(
          fc.oneof(
            {
              weight: 3,
              arbitrary: fc.record({
                kind: fc.constant('push' as const),
                priority: fc.integer({ min: 0, max: 3 }),
              }),
            },
            { weight: 1, arbitrary: fc.constant({ kind: 'take' as const }) },
          ),
          { maxLength: 60 },
        ),
        async (capacity, order, ops) => {
          const expected = model(capacity, order, ops);
          const drops: [number, string][] = [];
          const stage = shed<Item>({
            capacity,
            order,
            priority: (item) => item.priority,
            onDrop: (item, reason) => {
              drops.push([item.id, reason]);
              const s = stage.stats();
              expect(s.received).toBe(s.emitted + s.dropped + s.buffered);
              expect(s.buffered).toBeLessThanOrEqual(capacity);
            },
          });
          const source = manualSource<Item>();
          const iterator = stage(source.iterable)[Symbol.asyncIterator]();
          const emitted: number[] = [];
          const take = () => {
            void iterator.next().then((r) => {
              if (!r.done) emitted.push(r.value.id);
            });
          };
          take();
          await settle(1);
          let nextId = 0;
          for (const op of ops) {
            if (op.kind === 'push') source.push({ id: nextId++, priority: op.priority });
            else take();
            await settle(1);
            const s = stage.stats();
            expect(s.received).toBe(s.emitted + s.dropped + s.buffered);
            expect(s.buffered).toBeLessThanOrEqual(capacity);
          }
          expect(emitted).toEqual(expected.emitted);
          expect(drops).toEqual(expected.drops);
          expect(stage.stats().buffered).toBe(expected.buffered);
          // Each dropped item is reported exactly once and never also emitted.
          const dropped = new Set(drops.map(([id]) => id));
          expect(dropped.size).toBe(drops.length);
          for (const id of emitted) expect(dropped.has(id)).toBe(false);
          await iterator.return?.();
        },
      ),
      { numRuns: 150 },
    );
  });
});
