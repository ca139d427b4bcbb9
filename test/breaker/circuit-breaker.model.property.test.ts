/**
 * Model-based test of the circuit breaker (B1-B8): random command sequences (call, succeed,
 * fail, slow, overload, ignore, fatal, advance time, abort, reserve, cancel, reset, isolate,
 * dispose an isolation) run against the real breaker and a reference model written from the
 * spec (`breaker-model.ts`); after every command the two must agree on state, generation and
 * counters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CircuitIsolatedError, CircuitOpenError } from '../../src/index.js';
import {
  BreakerModel,
  BreakerReal,
  expectAgreement,
  type ModelConfig,
  type Outcome,
} from './breaker-model.js';

type Cmd = fc.AsyncCommand<BreakerModel, BreakerReal>;

class CallCommand implements Cmd {
  constructor(readonly abortable: boolean) {}
  check = (): boolean => true;
  async run(model: BreakerModel, real: BreakerReal): Promise<void> {
    const openUntil = model.kind === 'open' ? model.openUntil : undefined;
    const expected = model.call();
    const { admitted, settled } = real.call(this.abortable);
    if (typeof expected === 'number') {
      expect(admitted).toBe(true);
    } else {
      // B1: refused without calling fn.
      expect(admitted).toBe(false);
      const result = (await settled) as { ok: boolean; error: unknown };
      expect(result.ok).toBe(false);
      if (expected === 'isolated') expect(result.error).toBeInstanceOf(CircuitIsolatedError);
      else {
        expect(result.error).toBeInstanceOf(CircuitOpenError);
        const error = result.error as CircuitOpenError;
        expect(error.state).toBe(expected);
        if (expected === 'open') {
          expect(model.now).toBeLessThan(openUntil ?? model.openUntil);
          expect(error.retryAfter).toBe(model.openUntil - model.now);
        }
      }
    }
    expectAgreement(model, real);
  }
  toString = (): string => (this.abortable ? 'execute()' : 'call()');
}

class SettleCommand implements Cmd {
  constructor(
    readonly pick: number,
    readonly outcome: Outcome,
    readonly retryAfter: number,
  ) {}
  check = (): boolean => true;
  async run(model: BreakerModel, real: BreakerReal): Promise<void> {
    if (model.calls.length === 0) return;
    const index = this.pick % model.calls.length;
    model.refresh();
    const stateBefore = model.kind;
    const genBefore = model.gen;
    const stale = model.settle(index, this.outcome, this.retryAfter);
    const call = real.calls[index]!;
    if (this.outcome === 'success') call.deferred.resolve();
    else {
      const error = Object.assign(new Error(this.outcome), { kind: this.outcome });
      if (this.retryAfter > 0) Object.assign(error, { retryAfter: this.retryAfter });
      call.deferred.reject(error);
    }
    await call.settled;
    if (stale) {
      // B7: a result from an older generation changes nothing.
      expect(real.breaker.state).toBe(stateBefore);
      expect(real.breaker.stats().generation).toBe(genBefore);
    }
    expectAgreement(model, real);
  }
  toString = (): string => `settle(${this.pick}, ${this.outcome}, ${this.retryAfter})`;
}

class AbortCommand implements Cmd {
  constructor(readonly pick: number) {}
  check = (): boolean => true;
  async run(model: BreakerModel, real: BreakerReal): Promise<void> {
    const abortable = real.calls
      .map((c, i) => ({ c, i }))
      .filter(({ c, i }) => c.abort && !model.calls[i]!.done && !model.calls[i]!.aborted);
    if (abortable.length === 0) return;
    const { c, i } = abortable[this.pick % abortable.length]!;
    model.calls[i]!.aborted = true;
    c.abort!.abort(new Error('caller gave up'));
    const result = (await c.settled) as { ok: boolean; error: unknown };
    expect(result.ok).toBe(false);
    expect((result.error as Error).name).toBe('AbortError');
    expectAgreement(model, real);
  }
  toString = (): string => `abort(${this.pick})`;
}

class AdvanceCommand implements Cmd {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(model: BreakerModel, real: BreakerReal): Promise<void> {
    await real.clock.advance(this.ms);
    model.now += this.ms;
    expectAgreement(model, real);
  }
  toString = (): string => `advance(${this.ms})`;
}

/** A slow call: time passes beyond `slowCallMs` (when set), then the call succeeds. */
class SlowCommand implements Cmd {
  constructor(readonly pick: number) {}
  check = (): boolean => true;
  async run(model: BreakerModel, real: BreakerReal): Promise<void> {
    const ms = Number.isFinite(model.cfg.slowCallMs) ? model.cfg.slowCallMs + 1 : 60;
    await new AdvanceCommand(ms).run(model, real);
    await new SettleCommand(this.pick, 'success', 0).run(model, real);
  }
  toString = (): string => `slow(${this.pick})`;
}

class ReserveCommand implements Cmd {
  check = (): boolean => true;
  async run(model: BreakerModel, real: BreakerReal): Promise<void> {
    const expected = model.reserve();
    const got = real.internals.reserveTrial();
    expect(got).toBe(expected);
    if (got !== undefined) real.reservations.push(got);
    expectAgreement(model, real);
  }
  toString = (): string => 'reserve()';
}

class CancelCommand implements Cmd {
  check = (): boolean => true;
  async run(model: BreakerModel, real: BreakerReal): Promise<void> {
    const gen = real.reservations.pop();
    if (gen === undefined) return;
    model.refresh();
    model.cancel(gen);
    real.internals.cancelReservation(gen);
    expectAgreement(model, real);
  }
  toString = (): string => 'cancelReservation()';
}

class ResetCommand implements Cmd {
  check = (): boolean => true;
  async run(model: BreakerModel, real: BreakerReal): Promise<void> {
    model.refresh();
    model.reset();
    real.breaker.reset();
    expectAgreement(model, real);
  }
  toString = (): string => 'reset()';
}

class IsolateCommand implements Cmd {
  check = (): boolean => true;
  async run(model: BreakerModel, real: BreakerReal): Promise<void> {
    model.refresh();
    const id = model.isolate();
    real.isolations[id] = real.breaker.isolate();
    expectAgreement(model, real);
  }
  toString = (): string => 'isolate()';
}

/** Disposes one isolation handle (possibly one already disposed, or one from before a reset). */
class DisposeIsolationCommand implements Cmd {
  constructor(readonly pick: number) {}
  check = (): boolean => true;
  async run(model: BreakerModel, real: BreakerReal): Promise<void> {
    if (real.isolations.length === 0) return;
    const id = this.pick % real.isolations.length;
    model.refresh();
    model.dispose(id);
    real.isolations[id]!.dispose();
    expectAgreement(model, real);
  }
  toString = (): string => `disposeIsolation(${this.pick})`;
}

const configArb: fc.Arbitrary<ModelConfig> = fc
  .record({
    mode: fc.constantFrom('consecutive', 'count', 'time', 'both'),
    threshold: fc.integer({ min: 1, max: 4 }),
    countSize: fc.integer({ min: 1, max: 6 }),
    timeSize: fc.integer({ min: 10, max: 400 }),
    buckets: fc.integer({ min: 1, max: 5 }),
    minimumCalls: fc.integer({ min: 1, max: 6 }),
    failureRate: fc.constantFrom(0.25, 0.5, 1),
    slowCallMs: fc.constantFrom(Number.POSITIVE_INFINITY, 50),
    slowCallRate: fc.constantFrom(0.5, 1),
    resetTimeout: fc.integer({ min: 0, max: 300 }),
    backoff: fc.boolean(),
    trials: fc.integer({ min: 1, max: 3 }),
    concurrencyPick: fc.integer({ min: 1, max: 3 }),
    deadlineMs: fc.integer({ min: 20, max: 300 }),
  })
  .map((r) => {
    const windowSize = r.mode === 'time' ? r.timeSize : r.countSize;
    return {
      mode: r.mode,
      threshold: r.threshold,
      windowSize,
      buckets: Math.min(r.buckets, windowSize),
      minimumCalls: r.mode === 'time' ? r.minimumCalls : Math.min(r.minimumCalls, windowSize),
      failureRate: r.failureRate,
      slowCallMs: r.slowCallMs,
      slowCallRate: r.slowCallRate,
      resetTimeout: r.resetTimeout,
      backoff: r.backoff,
      trials: r.trials,
      concurrency: Math.min(r.concurrencyPick, r.trials),
      deadlineMs: r.deadlineMs,
    };
  });

const outcomeArb = fc.constantFrom<Outcome>(
  'success',
  'success',
  'failure',
  'failure',
  'overload',
  'ignored',
  'fatal',
);

const callArb = fc.boolean().map((abortable) => new CallCommand(abortable));
const plainCallArb = fc.constant(new CallCommand(false));

const commandArbs: fc.Arbitrary<Cmd>[] = [
  callArb,
  plainCallArb,
  plainCallArb,
  plainCallArb,
  fc
    .tuple(fc.nat(20), outcomeArb, fc.constantFrom(0, 0, 0, 500))
    .map(([pick, outcome, retryAfter]) => new SettleCommand(pick, outcome, retryAfter)),
  fc
    .tuple(fc.nat(20), fc.constantFrom<Outcome>('success', 'failure'), fc.constant(0))
    .map(([pick, outcome, retryAfter]) => new SettleCommand(pick, outcome, retryAfter)),
  fc
    .tuple(fc.nat(20), fc.constantFrom<Outcome>('success', 'failure'), fc.constant(0))
    .map(([pick, outcome, retryAfter]) => new SettleCommand(pick, outcome, retryAfter)),
  fc.nat(20).map((pick) => new AbortCommand(pick)),
  fc.nat(20).map((pick) => new SlowCommand(pick)),
  fc.integer({ min: 0, max: 350 }).map((ms) => new AdvanceCommand(ms)),
  fc.constant(new ReserveCommand()),
  fc.constant(new CancelCommand()),
  fc.nat(30).map((n) => (n === 0 ? new ResetCommand() : new AdvanceCommand(n))),
  fc.nat(40).map((n) => (n === 0 ? new IsolateCommand() : new AdvanceCommand(n * 5))),
  fc.nat(40).map((n) => (n < 2 ? new IsolateCommand() : new DisposeIsolationCommand(n))),
];

describe('circuitBreaker: model-based (B1-B8)', () => {
  it('agrees with the reference model on every command sequence (B1-B7)', async () => {
    await fc.assert(
      fc.asyncProperty(
        configArb,
        fc.commands(commandArbs, { maxCommands: 80, size: '+2' }),
        async (cfg, cmds) => {
          await fc.asyncModelRun(
            () => ({ model: new BreakerModel(cfg), real: new BreakerReal(cfg) }),
            cmds,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('B8: the same command sequence gives the same transitions', async () => {
    await fc.assert(
      fc.asyncProperty(
        configArb,
        fc.commands(commandArbs, { maxCommands: 60, size: '+1' }),
        async (cfg, cmds) => {
          const runs: unknown[] = [];
          for (let i = 0; i < 2; i++) {
            const real = new BreakerReal(cfg);
            await fc.asyncModelRun(() => ({ model: new BreakerModel(cfg), real }), cmds);
            runs.push({ log: real.log, stats: real.breaker.stats(), calls: real.fnCalls });
          }
          expect(runs[1]).toEqual(runs[0]);
        },
      ),
      { numRuns: 40 },
    );
  });
});
