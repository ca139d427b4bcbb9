import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HeapEntry, LevelHeap } from '../../src/internal/level-heap.js';

function entry(priority: number): HeapEntry {
  return { priority, lowAt: -1, highAt: -1 };
}

describe('LevelHeap', () => {
  it('keeps the lowest (or highest) on top while any entry is removed', () => {
    const low = new LevelHeap<HeapEntry>(false);
    const high = new LevelHeap<HeapEntry>(true);
    const entries = [5, 1, 9, 3, 7].map(entry);
    for (const e of entries) {
      low.push(e);
      high.push(e);
    }
    expect([low.peek()!.priority, high.peek()!.priority]).toEqual([1, 9]);
    low.remove(entries[1]!); // 1
    high.remove(entries[1]!);
    low.remove(entries[2]!); // 9
    high.remove(entries[2]!);
    expect([low.peek()!.priority, high.peek()!.priority, low.size]).toEqual([3, 7, 3]);
    expect([entries[1]!.lowAt, entries[1]!.highAt]).toEqual([-1, -1]);
  });

  it('property: top and positions match a model under any pushes and removals', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), priority: fc.integer({ min: -5, max: 5 }) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const low = new LevelHeap<HeapEntry>(false);
        const high = new LevelHeap<HeapEntry>(true);
        const held: HeapEntry[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            const e = entry(o.priority);
            held.push(e);
            low.push(e);
            high.push(e);
          } else if (held.length > 0) {
            const [e] = held.splice(o.pick % held.length, 1);
            low.remove(e!);
            high.remove(e!);
            expect([e!.lowAt, e!.highAt]).toEqual([-1, -1]);
          }
          expect(low.size).toBe(held.length);
          const priorities = held.map((e) => e.priority);
          expect(low.peek()?.priority).toBe(held.length ? Math.min(...priorities) : undefined);
          expect(high.peek()?.priority).toBe(held.length ? Math.max(...priorities) : undefined);
          for (const e of held) expect(e.lowAt).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
