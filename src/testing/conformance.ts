import type { Clock } from '../internal/clock.js';
import type { Stage } from '../stage.js';
import { type CountingClock, countingClock, trackedAbortController } from './leak-tracking.js';
import { loadFastCheck } from './load-fast-check.js';

/**
 * The conformance suite: the checks every stage must pass, written once and run the same way
 * for every stage (ours in `test/conformance/`, and yours). Each check is a plain async
 * function that throws on a violation, so it runs under any test framework:
 *
 * ```ts
 * import { conformanceChecks } from 'backpressure-kit/testing';
 * for (const check of conformanceChecks({ name: 'myStage', create: () => myStage(), ordered: true })) {
 *   test(check.name, check.run);
 * }
 * ```
 *
 * What it proves (DESIGN invariants 1-5): conservation under random sources and consumers,
 * order where promised, cleanup on early exit, abort and downstream failure, propagation of
 * the source's own error, and interop with `pipeline()`, it-pipe's `pipe()`, `Duplex.from()`
 * and `for await`.
 *
 * Cleanup is checked per object, never with process-wide handle counts, so the checks hold
 * while other tests (or other copies of the suite) run beside them: the source's `finally`
 * ran, every `abort` listener the stage put on the signal it was given is gone again (the
 * signal is a `trackedAbortController()`'s), no sleep is pending on `hooks.clock` (pass it to
 * a stage that waits, e.g. `rateLimit({ …, clock: hooks.clock })`), and no promise rejection
 * went unhandled.
 * The checks need Node (they load `node:stream` lazily) and fast-check.
 */

/** Hooks a subject passes to the stage it creates, so lossy stages can report drops. */
export interface ConformanceHooks {
  /** Report an input item the stage dropped on purpose (exactly once per item). */
  onDrop(item: number): void;
  /**
   * A real clock that counts its pending sleeps: give it to a stage that waits, and the
   * checks fail when a run ends with a sleep (a timer) still pending.
   */
  clock: Clock;
}

/** A stage under test: how to make one, and what it promises. */
export interface ConformanceSubject {
  /** Shown in check names. */
  name: string;
  /** Makes a fresh stage reading numbers. Called once per run. */
  create(hooks: ConformanceHooks): Stage<number, unknown>;
  /** Maps an output back to the input it came from. @default identity */
  inputOf?(output: unknown): number;
  /** Outputs come in input order. */
  ordered: boolean;
  /** The stage may drop items; each drop is reported through `hooks.onDrop`. @default false */
  lossy?: boolean;
  /** The source's own error reaches the consumer as the same object. @default true */
  propagatesSourceError?: boolean;
  /** fast-check runs per property. @default 40 */
  numRuns?: number;
}

/** One named check; `run` rejects on a violation. */
export interface ConformanceCheck {
  /** The subject's name and what the check proves, e.g. `myStage conserves every item …`. */
  name: string;
  /** Runs the check: resolves when it holds, rejects with an error describing the violation. */
  run(): Promise<void>;
}

class ConformanceViolation extends Error {
  constructor(subject: string, message: string) {
    super(`${subject}: ${message}`);
    this.name = 'ConformanceViolation';
  }
}

/** A source that records whether its `finally` ran, optionally yielding asynchronously. */
interface RecordingSource {
  readonly iterable: AsyncIterable<number> | Iterable<number>;
  readonly closed: () => boolean;
  readonly pulled: () => number;
}

function recordingSource(
  items: readonly number[],
  options: { async: boolean; failAfter?: number; error?: unknown; endless?: boolean },
): RecordingSource {
  let closed = false;
  let pulled = 0;
  const { failAfter, error, endless } = options;
  function* sync(): Generator<number> {
    try {
      for (let i = 0; endless || i < items.length; i++) {
        if (failAfter !== undefined && i === failAfter) throw error;
        pulled++;
        yield endless ? i : items[i]!;
      }
    } finally {
      closed = true;
    }
  }
  async function* asynchronous(): AsyncGenerator<number> {
    try {
      for (let i = 0; endless || i < items.length; i++) {
        if (i % 3 === 0) await Promise.resolve();
        if (failAfter !== undefined && i === failAfter) throw error;
        pulled++;
        yield endless ? i : items[i]!;
      }
    } finally {
      closed = true;
    }
  }
  return {
    iterable: options.async ? asynchronous() : sync(),
    closed: () => closed,
    pulled: () => pulled,
  };
}

/** Lets queued promise callbacks and immediates run. */
async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Runs `body`, then fails if a promise rejection went unhandled meanwhile. */
async function withoutUnhandledRejections(
  subject: string,
  body: () => Promise<void>,
): Promise<void> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', listener);
  try {
    await body();
    await settle();
  } finally {
    process.off('unhandledRejection', listener);
  }
  if (seen.length > 0) {
    throw new ConformanceViolation(subject, `unhandled rejection: ${String(seen[0])}`);
  }
}

/**
 * Fails unless the run left nothing behind on the objects it was given: no sleep pending on
 * `clock`, no listener on the tracked signal. Waits a few turns for cleanup that runs late.
 */
async function expectNothingLeft(
  subject: string,
  clock: CountingClock,
  listeners: () => number = () => 0,
): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    await settle();
    if (clock.pendingSleeps() === 0 && listeners() === 0) return;
  }
  throw new ConformanceViolation(
    subject,
    `left behind: ${clock.pendingSleeps()} pending sleep(s) on its clock, ${listeners()} abort listener(s) on its signal`,
  );
}

function checkConservation(
  subject: ConformanceSubject,
  input: readonly number[],
  outputs: readonly unknown[],
  dropped: readonly number[],
): void {
  const inputOf = subject.inputOf ?? ((x: unknown) => x as number);
  const seen = outputs.map(inputOf);
  const accounted = [...seen, ...dropped].sort((a, b) => a - b);
  const expected = [...input].sort((a, b) => a - b);
  if (!subject.lossy && dropped.length > 0) {
    throw new ConformanceViolation(
      subject.name,
      `a lossless stage dropped ${dropped.length} items`,
    );
  }
  if (accounted.length !== expected.length || accounted.some((v, i) => v !== expected[i])) {
    throw new ConformanceViolation(
      subject.name,
      `conservation broken: ${input.length} in, ${seen.length} out + ${dropped.length} dropped (${JSON.stringify(seen.slice(0, 20))}…)`,
    );
  }
  if (subject.ordered) {
    for (let i = 1; i < seen.length; i++) {
      if (seen[i]! < seen[i - 1]!) {
        throw new ConformanceViolation(
          subject.name,
          `order broken at output ${i}: ${seen[i - 1]} then ${seen[i]}`,
        );
      }
    }
  }
}

/**
 * Every check of the suite for one subject. Register each as a test case of your framework.
 */
export function conformanceChecks(subject: ConformanceSubject): ConformanceCheck[] {
  const numRuns = subject.numRuns ?? 40;
  const name = (what: string): string => `${subject.name} ${what}`;
  const run = async (
    items: readonly number[],
    options: { async: boolean; consumerDelays?: readonly number[] },
  ): Promise<{ outputs: unknown[]; dropped: number[] }> => {
    const dropped: number[] = [];
    const stage = subject.create({ onDrop: (item) => dropped.push(item), clock: countingClock() });
    const source = recordingSource(items, { async: options.async });
    const outputs: unknown[] = [];
    const delays = options.consumerDelays ?? [];
    for await (const output of stage(source.iterable)) {
      outputs.push(output);
      const delay = delays[outputs.length % Math.max(1, delays.length)] ?? 0;
      for (let i = 0; i < delay; i++) await Promise.resolve();
      if (delay > 4) await settle(1);
    }
    if (!source.closed())
      throw new ConformanceViolation(subject.name, 'the source was not closed at the end');
    return { outputs, dropped };
  };

  return [
    {
      name: name('conserves every item (random sources and consumers)'),
      run: async () => {
        const fc = await loadFastCheck('conformanceChecks');
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.integer({ min: 0, max: 1_000 }), { maxLength: 120 }),
            fc.boolean(),
            fc.array(fc.nat({ max: 8 }), { maxLength: 8 }),
            async (raw, isAsync, consumerDelays) => {
              const items = raw.map((_, i) => i); // distinct, so duplicates are detectable
              const { outputs, dropped } = await run(items, { async: isAsync, consumerDelays });
              checkConservation(subject, items, outputs, dropped);
            },
          ),
          { numRuns, includeErrorInReport: true },
        );
      },
    },
    {
      name: name('closes its source and leaves nothing behind on early exit'),
      run: async () => {
        const fc = await loadFastCheck('conformanceChecks');
        await fc.assert(
          fc.asyncProperty(fc.nat({ max: 30 }), fc.boolean(), async (stopAfter, isAsync) => {
            const clock = countingClock();
            const tracked = trackedAbortController();
            await withoutUnhandledRejections(subject.name, async () => {
              const stage = subject.create({ onDrop: () => {}, clock });
              const source = recordingSource([], { async: isAsync, endless: true });
              let seen = 0;
              for await (const _ of stage(source.iterable, { signal: tracked.signal })) {
                if (++seen > stopAfter) break;
              }
              if (!source.closed()) {
                throw new ConformanceViolation(
                  subject.name,
                  `source not closed after break at ${seen}`,
                );
              }
            });
            await expectNothingLeft(subject.name, clock, tracked.listeners);
          }),
          { numRuns: Math.min(numRuns, 25), includeErrorInReport: true },
        );
      },
    },
    {
      name: name('stops, closes its source and rejects with an AbortError when the signal aborts'),
      run: async () => {
        for (const isAsync of [true, false]) {
          const clock = countingClock();
          const tracked = trackedAbortController();
          await withoutUnhandledRejections(subject.name, async () => {
            const stage = subject.create({ onDrop: () => {}, clock });
            const source = recordingSource([], { async: isAsync, endless: true });
            let caught: unknown;
            let seen = 0;
            try {
              for await (const _ of stage(source.iterable, { signal: tracked.signal })) {
                if (++seen === 5) tracked.controller.abort(new Error('stop'));
                if (seen > 10_000) break;
              }
            } catch (error) {
              caught = error;
            }
            if ((caught as { name?: unknown } | undefined)?.name !== 'AbortError') {
              throw new ConformanceViolation(
                subject.name,
                `expected an AbortError, got ${String(caught)}`,
              );
            }
            await settle();
            if (!source.closed())
              throw new ConformanceViolation(subject.name, 'source not closed after abort');
            const pulled = source.pulled();
            await settle();
            if (source.pulled() !== pulled) {
              throw new ConformanceViolation(subject.name, 'kept pulling after abort');
            }
          });
          await expectNothingLeft(subject.name, clock, tracked.listeners);
        }
      },
    },
    {
      name: name("passes the source's own error to the consumer"),
      run: async () => {
        if (subject.propagatesSourceError === false) return;
        for (const isAsync of [true, false]) {
          const error = new Error('source failed');
          const stage = subject.create({ onDrop: () => {}, clock: countingClock() });
          const items = Array.from({ length: 20 }, (_, i) => i);
          const source = recordingSource(items, { async: isAsync, failAfter: 12, error });
          const outputs: unknown[] = [];
          let caught: unknown;
          try {
            for await (const output of stage(source.iterable)) outputs.push(output);
          } catch (e) {
            caught = e;
          }
          if (caught !== error) {
            throw new ConformanceViolation(
              subject.name,
              `expected the source's error, got ${String(caught)}`,
            );
          }
          if (!subject.lossy && outputs.length !== 12) {
            throw new ConformanceViolation(
              subject.name,
              `expected the 12 items before the error, got ${outputs.length}`,
            );
          }
        }
      },
    },
    {
      name: name('works in pipeline(), pipe(), Duplex.from() and for await alike'),
      run: async () => {
        const { pipeline } = await import('node:stream/promises');
        const { Duplex, Readable } = await import('node:stream');
        const { pipe } = await import('it-pipe');
        const items = Array.from({ length: 200 }, (_, i) => i);
        const collect = async (source: AsyncIterable<unknown>): Promise<unknown[]> => {
          const out: unknown[] = [];
          for await (const x of source) out.push(x);
          return out;
        };
        const results: Record<string, { outputs: unknown[]; dropped: number[] }> = {};
        {
          const dropped: number[] = [];
          const stage = subject.create({ onDrop: (x) => dropped.push(x), clock: countingClock() });
          let outputs: unknown[] = [];
          await pipeline(
            recordingSource(items, { async: true }).iterable,
            stage,
            async (src: AsyncIterable<unknown>) => {
              outputs = await collect(src);
            },
          );
          results.pipeline = { outputs, dropped };
        }
        {
          const dropped: number[] = [];
          const stage = subject.create({ onDrop: (x) => dropped.push(x), clock: countingClock() });
          const outputs = await pipe(
            recordingSource(items, { async: true }).iterable,
            stage,
            collect,
          );
          results.pipe = { outputs, dropped };
        }
        {
          const dropped: number[] = [];
          const stage = subject.create({ onDrop: (x) => dropped.push(x), clock: countingClock() });
          let outputs: unknown[] = [];
          await pipeline(
            Readable.from(recordingSource(items, { async: true }).iterable),
            Duplex.from(stage),
            async (src: AsyncIterable<unknown>) => {
              outputs = await collect(src);
            },
          );
          results.duplex = { outputs, dropped };
        }
        {
          const dropped: number[] = [];
          const stage = subject.create({ onDrop: (x) => dropped.push(x), clock: countingClock() });
          const outputs = await collect(stage(recordingSource(items, { async: true }).iterable));
          results.forAwait = { outputs, dropped };
        }
        for (const [how, { outputs, dropped }] of Object.entries(results)) {
          try {
            checkConservation(subject, items, outputs, dropped);
          } catch (error) {
            throw new ConformanceViolation(subject.name, `in ${how}: ${(error as Error).message}`);
          }
        }
      },
    },
    {
      name: name('closes its source when a later pipeline step fails'),
      run: async () => {
        const { pipeline } = await import('node:stream/promises');
        const clock = countingClock();
        await withoutUnhandledRejections(subject.name, async () => {
          const failure = new Error('sink failed');
          const source = recordingSource([], { async: true, endless: true });
          const stage = subject.create({ onDrop: () => {}, clock });
          let caught: unknown;
          try {
            await pipeline(source.iterable, stage, async (src: AsyncIterable<unknown>) => {
              let n = 0;
              for await (const _ of src) if (++n === 7) throw failure;
            });
          } catch (error) {
            caught = error;
          }
          if (caught !== failure) {
            throw new ConformanceViolation(
              subject.name,
              `pipeline should reject with the sink's error, got ${String(caught)}`,
            );
          }
          await settle();
          if (!source.closed())
            throw new ConformanceViolation(subject.name, 'source not closed after the sink failed');
        });
        await expectNothingLeft(subject.name, clock);
      },
    },
  ];
}
