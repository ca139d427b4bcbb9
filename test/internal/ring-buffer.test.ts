import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/internal/ring-buffer.js';

describe('RingBuffer', () => {
  it('allocates for what it holds, not for its bound', () => {
    const ring = new RingBuffer<number>(2 ** 24);
    for (let i = 0; i < 3; i++) ring.push(i);
    expect(ring.allocated).toBe(16);
    expect(new RingBuffer<number>(2 ** 40).allocated).toBe(16);
  });

  it('grows while filling and shrinks back as it empties', () => {
    const ring = new RingBuffer<number>();
    for (let i = 0; i < 100_000; i++) ring.push(i);
    expect(ring.allocated).toBe(131_072);
    for (let i = 0; i < 99_990; i++) expect(ring.shift()).toBe(i);
    expect(ring.allocated).toBe(1_024); // the floor: no reallocation while cycling below it
    expect([ring.shift(), ring.peek(), ring.size]).toEqual([99_990, 99_991, 9]);
  });

  it('property: behaves as a FIFO, and allocates at most max(1,024, 4 x size) slots', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat({ max: 300 }), fc.constant(-1)), { maxLength: 400 }),
        (ops) => {
          const ring = new RingBuffer<number>();
          const model: number[] = [];
          for (const op of ops) {
            if (op === -1) {
              if (model.length > 0) expect(ring.shift()).toBe(model.shift());
            } else {
              // A batch of pushes, so the ring grows past several sizes.
              for (let i = 0; i < op % 40; i++) {
                ring.push(op + i);
                model.push(op + i);
              }
            }
            expect(ring.size).toBe(model.length);
            expect(ring.peek()).toBe(model[0]);
            expect(ring.allocated).toBeLessThanOrEqual(Math.max(1_024, 4 * ring.size));
          }
          ring.clear();
          expect([ring.size, ring.allocated]).toEqual([0, 16]);
        },
      ),
    );
  });
});
