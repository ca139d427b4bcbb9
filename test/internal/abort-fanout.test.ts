import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { AbortFanout } from '../../src/internal/abort-fanout.js';

describe('AbortFanout', () => {
  it('calls functions and handleEvent objects once, in order, through one listener', () => {
    const fanout = new AbortFanout();
    const controller = new AbortController();
    const calls: string[] = [];
    const object = { handleEvent: () => calls.push('object') };
    fanout.add(controller.signal, () => calls.push('first'));
    fanout.add(controller.signal, object);
    fanout.add(controller.signal, object); // twice: once
    fanout.add(controller.signal, () => calls.push('last'));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    controller.signal.dispatchEvent(new Event('abort'));
    expect(calls).toEqual(['first', 'object', 'last']);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('calls a watcher of an aborted signal at once, and adds nothing', () => {
    const fanout = new AbortFanout();
    const signal = AbortSignal.abort();
    let called = 0;
    expect(fanout.add(signal, () => called++)).toBe(false);
    expect(called).toBe(1);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('removes the listener with the last watcher, and a deleted watcher is not called', () => {
    const fanout = new AbortFanout();
    const controller = new AbortController();
    const called: string[] = [];
    const a = { handleEvent: () => called.push('a') };
    const b = (): number => called.push('b');
    fanout.add(controller.signal, b);
    fanout.add(controller.signal, a);
    fanout.delete(controller.signal, a);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    fanout.delete(controller.signal, b);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    fanout.add(controller.signal, a); // a new listener for a new watcher
    controller.abort();
    expect(called).toEqual(['a']);
  });

  it('calls the other watchers when one throws, and rethrows its error in a microtask', () => {
    const rethrown: (() => void)[] = [];
    vi.stubGlobal('queueMicrotask', (task: () => void) => rethrown.push(task));
    try {
      const fanout = new AbortFanout();
      const controller = new AbortController();
      const called: string[] = [];
      fanout.add(controller.signal, () => {
        throw new Error('watcher bug');
      });
      fanout.add(controller.signal, { handleEvent: () => called.push('second') });
      controller.abort();
      expect(called).toEqual(['second']);
      expect(rethrown).toHaveLength(1);
      expect(() => rethrown[0]!()).toThrow('watcher bug');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('property: exactly the watchers present at the abort are called, once each, in order; no listener is left', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ add: fc.boolean(), watcher: fc.nat({ max: 7 }), signal: fc.nat({ max: 2 }) }),
          { maxLength: 60 },
        ),
        fc.nat({ max: 2 }),
        (ops, aborted) => {
          const fanout = new AbortFanout();
          const controllers = [new AbortController(), new AbortController(), new AbortController()];
          const calls: number[] = [];
          // Half the watchers are functions, half handleEvent objects.
          const watchers = Array.from({ length: 8 }, (_, i) =>
            i % 2 === 0 ? () => calls.push(i) : { handleEvent: () => calls.push(i) },
          );
          const model = controllers.map(() => new Set<number>());
          for (const op of ops) {
            const signal = controllers[op.signal]!.signal;
            if (op.add) {
              fanout.add(signal, watchers[op.watcher]!);
              model[op.signal]!.add(op.watcher);
            } else {
              fanout.delete(signal, watchers[op.watcher]!);
              model[op.signal]!.delete(op.watcher);
            }
          }
          controllers.forEach((c, i) => {
            expect(getEventListeners(c.signal, 'abort')).toHaveLength(model[i]!.size > 0 ? 1 : 0);
          });
          controllers[aborted]!.abort();
          expect(calls).toEqual([...model[aborted]!]);
          expect(getEventListeners(controllers[aborted]!.signal, 'abort')).toHaveLength(0);
        },
      ),
    );
  });
});
