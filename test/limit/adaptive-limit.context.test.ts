import { AsyncLocalStorage } from 'node:async_hooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adaptiveLimit, fixedLimit } from '../../src/index.js';

const storage = new AsyncLocalStorage<string>();

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("adaptiveLimit runs a queued call in its caller's async context (as p-limit does)", () => {
  it('a queued call sees its own caller’s store, not the one of the call that freed the slot', async () => {
    const limit = adaptiveLimit({ min: 1, max: 1, algorithm: fixedLimit(1) });
    const gate = deferred();
    const seen: Record<string, string | undefined> = {};
    const call = (id: string, wait?: Promise<void>) =>
      storage.run(id, async () => {
        const value = await limit(async () => {
          seen[id] = storage.getStore();
          await wait;
          return id;
        });
        // The caller awaiting its own promise is back in its own context.
        expect(storage.getStore()).toBe(id);
        return value;
      });
    const a = call('a', gate.promise);
    const b = call('b');
    const c = call('c');
    expect(limit.pendingCount).toBe(2);
    gate.resolve();
    await expect(Promise.all([a, b, c])).resolves.toEqual(['a', 'b', 'c']);
    expect(seen).toEqual({ a: 'a', b: 'b', c: 'c' });
  });

  it('property: every call sees its caller’s store, whatever the limit and finishing order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 30 }),
        async (concurrency, delays) => {
          const limit = adaptiveLimit({
            algorithm: fixedLimit(concurrency),
            min: concurrency,
            max: concurrency,
          });
          const wrong: string[] = [];
          await Promise.all(
            delays.map((delay, i) =>
              storage.run(`caller-${i}`, () =>
                limit(async () => {
                  if (storage.getStore() !== `caller-${i}`)
                    wrong.push(`${i}: ${storage.getStore()}`);
                  for (let t = 0; t < delay; t++) await Promise.resolve();
                }),
              ),
            ),
          );
          expect(wrong).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
