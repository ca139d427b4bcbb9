import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  boundedBuffer,
  breakerGate,
  circuitBreaker,
  InvalidOptionTypeError,
  InvalidOptionValueError,
  type MonitorSample,
  type MonitorTick,
  monitor,
  StatsError,
  shed,
} from 'backpressure-kit';
import { VirtualClock } from 'backpressure-kit/testing';
import { describe, expect, it } from 'vitest';
import { range } from '../helpers/sources.js';

function recorder<S extends Record<string, { stats(): object }>>() {
  const samples: { sample: MonitorSample<S>; tick: MonitorTick }[] = [];
  return {
    samples,
    onSample: (sample: MonitorSample<S>, tick: MonitorTick) => samples.push({ sample, tick }),
  };
}

describe('monitor', () => {
  it('samples every stage (a breaker too) at each interval, keyed by name', async () => {
    const clock = new VirtualClock();
    const buffer = boundedBuffer<number>({ highWaterMark: 4, clock });
    const breaker = circuitBreaker({ clock });
    const gate = breakerGate<number>(breaker);
    const stages = { buffer, gate, breaker };
    const { samples, onSample } = recorder<typeof stages>();
    const dispose = monitor(stages, { intervalMs: 1_000, onSample, clock });

    await clock.advance(999);
    expect(samples).toHaveLength(0);
    await clock.advance(1);
    expect(samples).toHaveLength(1);
    expect(samples[0]!.tick).toEqual({ at: 1_000, tick: 1 });
    expect(samples[0]!.sample).toEqual({
      buffer: buffer.stats(),
      gate: gate.stats(),
      breaker: breaker.stats(),
    });

    // Move the pipeline on: the next sample shows it.
    const it = buffer(range(10))[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    breaker.isolate();
    await clock.advance(1_000);
    expect(samples).toHaveLength(2);
    expect(samples[1]!.tick).toEqual({ at: 2_000, tick: 2 });
    expect(samples[1]!.sample.buffer.emitted).toBe(2);
    expect(samples[1]!.sample.buffer).toEqual(buffer.stats());
    expect(samples[1]!.sample.gate.state).toBe('isolated');
    expect(samples[1]!.sample.breaker.state).toBe('isolated');
    await it.return?.();

    await clock.advance(3_000);
    expect(samples.map((s) => s.tick.at)).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    dispose();
    expect(clock.pendingTimers).toBe(0);
  });

  it('the disposer stops it and leaves no timer; a second call is harmless', async () => {
    const clock = new VirtualClock();
    const { samples, onSample } = recorder();
    const dispose = monitor({ s: shed<number>(3) }, { intervalMs: 100, onSample, clock });
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(250);
    dispose();
    dispose();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(1_000);
    expect(samples).toHaveLength(2);
  });

  it('an abort stops it and leaves no timer; an already aborted signal starts nothing', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const { samples, onSample } = recorder();
    monitor(
      { s: shed<number>(3) },
      { intervalMs: 100, onSample, clock, signal: controller.signal },
    );
    await clock.advance(100);
    controller.abort();
    await clock.advance(0);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(1_000);
    expect(samples).toHaveLength(1);

    const dispose = monitor(
      { s: shed<number>(3) },
      { intervalMs: 100, onSample, clock, signal: AbortSignal.abort() },
    );
    expect(clock.pendingTimers).toBe(0);
    dispose();
  });

  it('onSample may dispose the monitor from inside a tick', async () => {
    const clock = new VirtualClock();
    let count = 0;
    const dispose = monitor(
      { s: shed<number>(3) },
      {
        intervalMs: 10,
        clock,
        onSample: () => {
          if (++count === 3) dispose();
        },
      },
    );
    await clock.advance(100);
    expect(count).toBe(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('skips intervals it missed instead of replaying them', async () => {
    const virtual = new VirtualClock();
    // A clock that jumps 250 ms during the first tick, as a blocked event loop would.
    let jump = 0;
    const clock = { now: () => virtual.now() + jump, sleep: virtual.sleep.bind(virtual) };
    const ticks: MonitorTick[] = [];
    const dispose = monitor(
      { s: shed<number>(3) },
      {
        intervalMs: 100,
        clock,
        onSample: (_sample, tick) => {
          ticks.push(tick);
          if (tick.tick === 1) jump = 250;
        },
      },
    );
    await virtual.advance(350);
    dispose();
    // Tick 1 at 100; the clock then reads 350, so ticks 2 and 3 are skipped and the grid resumes.
    expect(ticks).toEqual([
      { at: 100, tick: 1 },
      { at: 400, tick: 4 },
      { at: 500, tick: 5 },
      { at: 600, tick: 6 },
    ]);
    expect(virtual.pendingTimers).toBe(0);
  });

  it('a throwing stats() goes to onError as a StatsError, skips that sample, and sampling goes on', async () => {
    const clock = new VirtualClock();
    const boom = new Error('boom');
    let fail = true;
    const flaky = {
      stats: () => {
        if (fail) throw boom;
        return { ok: 1 };
      },
    };
    const stages = { good: shed<number>(3), flaky };
    const { samples, onSample } = recorder<typeof stages>();
    const errors: unknown[] = [];
    const dispose = monitor(stages, {
      intervalMs: 10,
      clock,
      onSample,
      onError: (error) => errors.push(error),
    });
    await clock.advance(20);
    expect(samples).toHaveLength(0);
    expect(errors).toHaveLength(2);
    const error = errors[0] as StatsError;
    expect(error).toBeInstanceOf(StatsError);
    expect(error.code).toBe('ERR_BPK_STATS');
    expect(error.stage).toBe('flaky');
    expect(error.cause).toBe(boom);
    fail = false;
    await clock.advance(10);
    expect(samples).toHaveLength(1);
    expect(samples[0]!.sample.flaky).toEqual({ ok: 1 });
    dispose();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a throwing onSample goes to onError and sampling goes on', async () => {
    const clock = new VirtualClock();
    const errors: unknown[] = [];
    const boom = new Error('sink down');
    const dispose = monitor(
      { s: shed<number>(3) },
      {
        intervalMs: 10,
        clock,
        onSample: () => {
          throw boom;
        },
        onError: (error) => errors.push(error),
      },
    );
    await clock.advance(30);
    expect(errors).toEqual([boom, boom, boom]);
    dispose();
  });

  it('without onError, a throwing stats() stops the monitor and surfaces as an uncaught exception', () => {
    // An uncaught exception ends the process, so this runs in a child process.
    const script = join(import.meta.dirname, 'monitor-uncaught.fixture.ts');
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(child.stdout).toContain('samples before the failure: 2');
    expect(child.stderr).toContain('ERR_BPK_STATS');
    expect(child.stderr).toContain('stats() of stage "flaky" threw: broken');
    expect(child.status).toBe(1);
  });

  it('refuses bad options at call time with typed errors', () => {
    const s = { s: shed<number>(3) };
    const onSample = () => {};
    const call = (stages: unknown, options: unknown) => () =>
      monitor(stages as typeof s, options as Parameters<typeof monitor<typeof s>>[1]);
    expect(call(s, { intervalMs: 0, onSample })).toThrow(InvalidOptionValueError);
    expect(call(s, { intervalMs: 0, onSample })).toThrow(/`intervalMs`.*got 0/);
    expect(call(s, { intervalMs: 2 ** 31, onSample })).toThrow(InvalidOptionValueError);
    expect(call(s, { intervalMs: Number.NaN, onSample })).toThrow(InvalidOptionValueError);
    expect(call(s, { intervalMs: '1000', onSample })).toThrow(InvalidOptionTypeError);
    expect(call(s, { onSample })).toThrow(InvalidOptionTypeError);
    expect(call(s, { intervalMs: 10 })).toThrow(/`onSample` to be a function/);
    expect(call(s, { intervalMs: 10, onSample, onError: 1 })).toThrow(/`onError`/);
    expect(call(s, { intervalMs: 10, onSample, signal: {} })).toThrow(/`signal`/);
    expect(call(s, { intervalMs: 10, onSample, clock: Date })).toThrow(/`clock`/);
    expect(call(s, null)).toThrow(/`options`/);
    expect(call({}, { intervalMs: 10, onSample })).toThrow(InvalidOptionValueError);
    expect(call({}, { intervalMs: 10, onSample })).toThrow(/`stages`/);
    expect(call(null, { intervalMs: 10, onSample })).toThrow(InvalidOptionTypeError);
    expect(call({ a: {} }, { intervalMs: 10, onSample })).toThrow(/`stages.a`.*stats\(\)/);
    expect(call({ a: { stats: 1 } }, { intervalMs: 10, onSample })).toThrow(InvalidOptionTypeError);
  });
});
