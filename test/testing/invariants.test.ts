import { describe, expect, it } from 'vitest';
import {
  boundsGauge,
  checkCleanup,
  checkConservation,
  checkOrder,
  InvariantViolation,
  probeListeners,
  VirtualClock,
} from '../../src/testing/index.js';

describe('checkConservation', () => {
  it('passes when every input is emitted or dropped exactly once, and sums the drops by reason', () => {
    expect(
      checkConservation({
        inputs: [1, 2, 3, 4],
        outputs: [{ n: 3 }, { n: 1 }],
        inputOf: (o) => o.n,
        drops: [
          { item: 2, reason: 'full' },
          { item: 4, reason: 'evicted' },
        ],
      }),
    ).toEqual({ emitted: 2, droppedByReason: { full: 1, evicted: 1 } });
  });

  it.each([
    ['a lost input', { inputs: [1, 2], outputs: [1] }, /1 of 2 inputs vanished .* first 2/],
    ['a duplicate', { inputs: [1, 2], outputs: [1, 2, 1] }, /input 1 is accounted for twice/],
    [
      'an emitted and dropped input',
      { inputs: [1], outputs: [1], drops: [{ item: 1, reason: 'full' }] },
      /twice: emitted, then dropped \(full\)/,
    ],
    ['an unknown output', { inputs: [1], outputs: [1, 9] }, /emitted 9 is not an input/],
    [
      'a reason not allowed',
      { inputs: [1], outputs: [], drops: [{ item: 1, reason: 'oops' }], allowedReasons: ['full'] },
      /dropped for 'oops'/,
    ],
  ])('throws on %s', (_, record, message) => {
    expect(() => checkConservation(record)).toThrow(InvariantViolation);
    expect(() => checkConservation(record)).toThrow(message);
  });
});

describe('checkOrder', () => {
  it('accepts a subsequence in input order', () => {
    expect(() => checkOrder([1, 2, 3, 4], [1, 3, 4])).not.toThrow();
  });
  it('names the first output out of order', () => {
    expect(() => checkOrder([1, 2, 3], [1, 3, 2])).toThrow(
      /output #2 2 \(input #1\) came after input #2/,
    );
    expect(() => checkOrder([1, 2], [1, 1])).toThrow(InvariantViolation);
  });
});

describe('boundsGauge', () => {
  it('tracks the peak and reports the first breach with its virtual time', async () => {
    const clock = new VirtualClock();
    const gauge = boundsGauge('tasks held', 2, clock);
    gauge.enter();
    gauge.enter();
    gauge.leave();
    gauge.enter();
    expect(() => gauge.check()).not.toThrow();
    await clock.advance(30);
    gauge.enter();
    expect(gauge).toMatchObject({ current: 3, peak: 3 });
    expect(() => gauge.check()).toThrow(
      'bounds: tasks held: 3 held, above the bound of 2 at t=30ms',
    );
  });
  it('refuses to leave more than entered', () => {
    expect(() => boundsGauge('x', 1).leave()).toThrow(/left more than entered/);
  });
});

describe('checkCleanup', () => {
  it('finds a pending timer, a listener left on a signal and a source not closed', () => {
    const clock = new VirtualClock();
    void clock.sleep(500);
    const controller = new AbortController();
    const probe = probeListeners(controller.signal);
    controller.signal.addEventListener('abort', () => {});
    expect(() => checkCleanup({ clock, listeners: [probe], sources: [{ closed: false }] })).toThrow(
      /1 timer\(s\) still pending on the VirtualClock \(next at t=500ms\); 1 abort listener\(s\) left on signal #0; source #0 is not closed/,
    );
  });

  it('passes once listeners are removed, once-listeners fired and timers fired', async () => {
    const clock = new VirtualClock();
    const done = clock.sleep(5);
    const controller = new AbortController();
    const probe = probeListeners(controller.signal);
    const listener = () => {};
    controller.signal.addEventListener('abort', listener);
    controller.signal.addEventListener('abort', () => {}, { once: true });
    expect(probe.listeners).toBe(2);
    controller.signal.removeEventListener('abort', listener);
    controller.abort();
    await clock.advance(5);
    await done;
    expect(probe.listeners).toBe(0);
    expect(() =>
      checkCleanup({ clock, listeners: [probe], sources: [{ closed: true }] }),
    ).not.toThrow();
  });
});
