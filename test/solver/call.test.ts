import { describe, expect, it } from 'vitest';
import { AbortedError } from '../../src/errors.js';
import { systemClock } from '../../src/internal/clock.js';
import { Call } from '../../src/solver/call.js';

describe("a solver call's stop hook (what its requests listen on)", () => {
  it("with a caller's signal, requests listen on the call: the listener fires once, at the stop", () => {
    const controller = new AbortController();
    const call = new Call(controller.signal, true, systemClock);
    expect(call.requestSignal).toBe(call);
    let fired = 0;
    call.onStop(() => fired++);
    controller.abort(new Error('caller gave up'));
    expect(fired).toBe(1);
    expect(call.stopped).toBeInstanceOf(AbortedError);
    call.stop(new Error('again'));
    expect(fired).toBe(1);
    call.dispose();
  });

  it('a listener set after the stop fires at once; a cleared one never fires', () => {
    const controller = new AbortController();
    const call = new Call(controller.signal, true, systemClock);
    let cleared = 0;
    call.onStop(() => cleared++);
    call.onStop(undefined);
    call.stop(new Error('stopped'));
    expect(cleared).toBe(0);
    let late = 0;
    call.onStop(() => late++);
    expect(late).toBe(1);
    call.dispose();
  });

  it("without a caller's signal, requests listen on the call only when closing the Pool would not end them", () => {
    expect(new Call(undefined, true, systemClock).requestSignal).toBeUndefined();
    const call = new Call(undefined, false, systemClock);
    expect(call.requestSignal).toBe(call);
  });
});
