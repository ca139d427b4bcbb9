import type { Clock } from '../internal/clock.js';
import type { Stage } from '../stage.js';
import { type CountingClock, countingClock, trackedAbortController } from './leak-tracking.js';
import { loadFastCheck } from './load-fast-check.js';
import { naturals, type TrackedSource, trackedSource } from './tracked-source.js';

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
 * What it checks, by the invariants every stage of the toolkit keeps (numbered as in
 * `docs/architecture.md`):
 *
 * 1. **Conservation**: under random sources (sync and async) and random consumer delays,
 *    every input comes out exactly once or is reported once through `hooks.onDrop` (only
 *    when the subject is `lossy`); the same in `pipeline()`, it-pipe's `pipe()`,
 *    `Duplex.from()` and `for await`.
 * 2. **Bounds**: when the consumer pauses and the stage has settled, the stage holds at most
 *    `subject.bound` items (taken from its source, neither given to the consumer nor
 *    dropped). Skipped when the subject declares no `bound`.
 * 3. **Order**: outputs come in input order, when the subject says `ordered`.
 * 4. **Cleanup**: on early exit (`break`), on abort of the signal it was given, and when a
 *    later pipeline step fails, the stage closes its source (the source's `finally` ran),
 *    stops pulling, rejects with an `AbortError` on abort, and leaves nothing behind: no
 *    `abort` listener on that signal, no sleep pending on `hooks.clock`, no unhandled
 *    rejection. A source's own error reaches the consumer as the same object (after the
 *    items before it, for lossless stages); skipped when the subject says
 *    `propagatesSourceError: false`.
 * 5. **Errors**: each of `subject.badOptions` throws at call time (not on first use) an
 *    `InvalidOptionTypeError` (a `TypeError`, code `ERR_BPK_INVALID_OPTION_TYPE`) or an
 *    `InvalidOptionValueError` (a `RangeError`, code `ERR_BPK_INVALID_OPTION_VALUE`) naming
 *    the option and the value received. Skipped when the subject declares no `badOptions`.
 *
 * Not checked here: injected time (6), `stats()` and event hooks (7) and the portable core
 * (8); each stage's own tests cover those.
 *
 * A check the subject opts out of is reported as skipped, never as passed: its name says
 * `skipped: <why>`, {@link ConformanceCheck.skipped} holds the reason, and `run(context)`
 * calls `context.skip(reason)` when the framework passes a context with one (vitest does,
 * so `test(check.name, check.run)` reports it skipped), else resolves `'skipped'`.
 *
 * Cleanup is checked per object, never with process-wide handle counts, so the checks hold
 * while other tests (or other copies of the suite) run beside them: the source's `finally`
 * ran, every `abort` listener the stage put on the signal it was given is gone again (the
 * signal is a `trackedAbortController()`'s), no sleep is pending on `hooks.clock` (pass it to
 * a stage that waits, e.g. `rateLimit({ …, clock: hooks.clock })`), and no promise rejection
 * went unhandled.
 * The checks need Node (they load `node:stream` lazily), fast-check and it-pipe.
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

/**
 * A bad option the subject's factory must reject at call time (invariant 5): `create()` calls
 * the factory with it, and must throw the typed option error naming `option` and `value`.
 *
 * @example
 * ```ts
 * { create: () => boundedBuffer(0), option: 'highWaterMark', value: 0, kind: 'value' }
 * ```
 */
export interface ConformanceBadOption {
  /** Calls the stage's factory with the bad option. Must throw synchronously. */
  create(): unknown;
  /** The dotted option name the error must carry in `option`, e.g. `highWaterMark`. */
  option: string;
  /** The value the error must carry in `received` (compared with `Object.is`). */
  value: unknown;
  /**
   * `'type'`: an `InvalidOptionTypeError` (`TypeError`, `ERR_BPK_INVALID_OPTION_TYPE`);
   * `'value'`: an `InvalidOptionValueError` (`RangeError`, `ERR_BPK_INVALID_OPTION_VALUE`).
   */
  kind: 'type' | 'value';
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
  /**
   * The most items the stage holds at once once it has settled while its consumer pauses:
   * taken from the source, neither given to the consumer nor dropped (a buffer's
   * `highWaterMark`, a shedder's `capacity`, a mapper's concurrency plus what it keeps
   * finished for the consumer). @default none: the bound check is skipped
   */
  bound?: number;
  /** Bad options the factory must reject at call time. @default none: the check is skipped */
  badOptions?: readonly ConformanceBadOption[];
  /** The source's own error reaches the consumer as the same object. @default true */
  propagatesSourceError?: boolean;
  /** fast-check runs per property. @default 40 */
  numRuns?: number;
}

/** What a check's `run` resolves with: it held, or the subject opted out of it. */
export type ConformanceOutcome = 'passed' | 'skipped';

/**
 * What `run` may be given: a test framework's context. When it has `skip` (vitest's test
 * context does), a skipped check calls `skip(reason)` so the framework reports it skipped.
 */
export interface ConformanceRunContext {
  /** Marks the running test as skipped, with a note. */
  skip?: (note?: string) => void;
}

/** One named check; `run` rejects on a violation. */
export interface ConformanceCheck {
  /** The subject's name and what the check proves, e.g. `myStage conserves every item …`. */
  name: string;
  /** Why the check does not apply to this subject (it opted out); `undefined` when it runs. */
  skipped: string | undefined;
  /**
   * Runs the check: resolves `'passed'` when it holds, rejects with an error describing the
   * violation. A skipped check calls `context.skip(reason)` when given one, else resolves
   * `'skipped'`. (A rest parameter, so frameworks that read a test function's arity as a
   * `done` callback see none.)
   */
  run(...context: [ConformanceRunContext?]): Promise<ConformanceOutcome>;
}

class ConformanceViolation extends Error {
  constructor(subject: string, message: string) {
    super(`${subject}: ${message}`);
    this.name = 'ConformanceViolation';
  }
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

/** Fails unless `error` is the typed option error `bad` describes, thrown at call time. */
function checkOptionError(subject: string, bad: ConformanceBadOption): void {
  const what = `\`${bad.option}\`: ${String(bad.value)}`;
  let thrown: unknown;
  let returned: unknown;
  try {
    returned = bad.create();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) {
    const later =
      typeof (returned as { then?: unknown } | undefined)?.then === 'function'
        ? ' (it returned a promise: option errors must throw at call time)'
        : '';
    throw new ConformanceViolation(subject, `accepted the bad option ${what} silently${later}`);
  }
  const [base, code] =
    bad.kind === 'type'
      ? [TypeError, 'ERR_BPK_INVALID_OPTION_TYPE']
      : [RangeError, 'ERR_BPK_INVALID_OPTION_VALUE'];
  const error = thrown as { code?: unknown; option?: unknown; received?: unknown };
  const problems: string[] = [];
  if (!(thrown instanceof base)) problems.push(`not a ${base.name}`);
  if (error.code !== code) problems.push(`code ${String(error.code)}, not ${code}`);
  if (error.option !== bad.option) problems.push(`option ${String(error.option)}`);
  if (!Object.is(error.received, bad.value)) problems.push(`received ${String(error.received)}`);
  if (problems.length > 0) {
    throw new ConformanceViolation(
      subject,
      `the error for ${what} is wrong (${problems.join(', ')}): ${String(thrown)}`,
    );
  }
}

/** One run of the subject's stage: its source, what it dropped and what it emitted. */
interface Run {
  readonly source: TrackedSource<number>;
  readonly dropped: number[];
  readonly outputs: unknown[];
}

/**
 * Every check of the suite for one subject. Register each as a test case of your framework.
 */
export function conformanceChecks(subject: ConformanceSubject): ConformanceCheck[] {
  const numRuns = subject.numRuns ?? 40;
  const name = (what: string): string => `${subject.name} ${what}`;
  const check = (
    what: string,
    skipped: string | undefined,
    body: () => Promise<void>,
  ): ConformanceCheck => ({
    name: skipped === undefined ? name(what) : name(`${what} (skipped: ${skipped})`),
    skipped,
    run: async (context) => {
      if (skipped === undefined) {
        await body();
        return 'passed';
      }
      context?.skip?.(skipped);
      return 'skipped';
    },
  });
  const start = (
    items: Iterable<number>,
    options: { sync?: boolean; failWith?: unknown; clock?: Clock } = {},
  ): Run & { stage: Stage<number, unknown> } => {
    const dropped: number[] = [];
    const stage = subject.create({
      onDrop: (item) => dropped.push(item),
      clock: options.clock ?? countingClock(),
    });
    return { stage, source: trackedSource(items, options), dropped, outputs: [] };
  };
  const run = async (
    items: readonly number[],
    options: { sync: boolean; consumerDelays?: readonly number[] },
  ): Promise<Run> => {
    const started = start(items, { sync: options.sync });
    const { outputs } = started;
    const delays = options.consumerDelays ?? [];
    for await (const output of started.stage(started.source.iterable)) {
      outputs.push(output);
      const delay = delays[outputs.length % Math.max(1, delays.length)] ?? 0;
      for (let i = 0; i < delay; i++) await Promise.resolve();
      if (delay > 4) await settle(1);
    }
    if (!started.source.state.closed)
      throw new ConformanceViolation(subject.name, 'the source was not closed at the end');
    return started;
  };
  const { bound, badOptions } = subject;

  return [
    check('conserves every item (random sources and consumers)', undefined, async () => {
      const fc = await loadFastCheck('conformanceChecks');
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: 120 }),
          fc.boolean(),
          fc.array(fc.nat({ max: 8 }), { maxLength: 8 }),
          async (length, sync, consumerDelays) => {
            const items = Array.from({ length }, (_, i) => i); // distinct: duplicates show
            const { outputs, dropped } = await run(items, { sync, consumerDelays });
            checkConservation(subject, items, outputs, dropped);
          },
        ),
        { numRuns, includeErrorInReport: true },
      );
    }),
    check(
      `never holds more than ${bound ?? 'its bound of'} items while its consumer pauses`,
      bound === undefined ? 'the subject declares no `bound`' : undefined,
      async () => {
        const limit = bound ?? 0;
        const fc = await loadFastCheck('conformanceChecks');
        await fc.assert(
          fc.asyncProperty(
            fc.nat({ max: 150 }),
            fc.boolean(),
            fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
            async (length, sync, pauses) => {
              const items = Array.from({ length }, (_, i) => i);
              const { stage, source, outputs, dropped } = start(items, { sync });
              const held = (): number => source.state.pulled - outputs.length - dropped.length;
              const expectBound = async (when: string): Promise<void> => {
                await settle(); // the stage reads ahead as far as it will
                if (held() > limit) {
                  throw new ConformanceViolation(
                    subject.name,
                    `holds ${held()} items ${when} (${source.state.pulled} pulled, ${outputs.length} emitted, ${dropped.length} dropped), above its bound of ${limit}`,
                  );
                }
              };
              const iterator = stage(source.iterable)[Symbol.asyncIterator]();
              await expectBound('before the first pull of its consumer');
              for (;;) {
                const next = await iterator.next();
                if (next.done) break;
                outputs.push(next.value);
                if (pauses[outputs.length % pauses.length]) {
                  await expectBound(`after output ${outputs.length}`);
                }
              }
            },
          ),
          { numRuns, includeErrorInReport: true },
        );
      },
    ),
    check('closes its source and leaves nothing behind on early exit', undefined, async () => {
      const fc = await loadFastCheck('conformanceChecks');
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: 30 }), fc.boolean(), async (stopAfter, sync) => {
          const clock = countingClock();
          const tracked = trackedAbortController();
          await withoutUnhandledRejections(subject.name, async () => {
            const { stage, source } = start(naturals(), { sync, clock });
            let seen = 0;
            for await (const _ of stage(source.iterable, { signal: tracked.signal })) {
              if (++seen > stopAfter) break;
            }
            if (!source.state.closed) {
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
    }),
    check(
      'stops, closes its source and rejects with an AbortError when the signal aborts',
      undefined,
      async () => {
        for (const sync of [false, true]) {
          const clock = countingClock();
          const tracked = trackedAbortController();
          await withoutUnhandledRejections(subject.name, async () => {
            const { stage, source } = start(naturals(), { sync, clock });
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
            if (!source.state.closed)
              throw new ConformanceViolation(subject.name, 'source not closed after abort');
            const pulled = source.state.pulled;
            await settle();
            if (source.state.pulled !== pulled) {
              throw new ConformanceViolation(subject.name, 'kept pulling after abort');
            }
          });
          await expectNothingLeft(subject.name, clock, tracked.listeners);
        }
      },
    ),
    check(
      "passes the source's own error to the consumer",
      subject.propagatesSourceError === false
        ? 'the subject says propagatesSourceError: false'
        : undefined,
      async () => {
        for (const sync of [false, true]) {
          const error = new Error('source failed');
          const items = Array.from({ length: 12 }, (_, i) => i);
          const { stage, source, outputs } = start(items, { sync, failWith: error });
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
    ),
    check('works in pipeline(), pipe(), Duplex.from() and for await alike', undefined, async () => {
      const { pipeline } = await import('node:stream/promises');
      const { Duplex, Readable } = await import('node:stream');
      const { pipe } = await import('it-pipe');
      const items = Array.from({ length: 200 }, (_, i) => i);
      const collect = async (source: AsyncIterable<unknown>): Promise<unknown[]> => {
        const out: unknown[] = [];
        for await (const x of source) out.push(x);
        return out;
      };
      const ways: Record<string, (run: Run & { stage: Stage<number, unknown> }) => Promise<void>> =
        {
          pipeline: ({ stage, source, outputs }) =>
            pipeline(source.iterable, stage, async (src: AsyncIterable<unknown>) => {
              outputs.push(...(await collect(src)));
            }),
          pipe: async ({ stage, source, outputs }) => {
            outputs.push(...(await pipe(source.iterable, stage, collect)));
          },
          duplex: ({ stage, source, outputs }) =>
            pipeline(
              Readable.from(source.iterable),
              Duplex.from(stage),
              async (src: AsyncIterable<unknown>) => {
                outputs.push(...(await collect(src)));
              },
            ),
          forAwait: async ({ stage, source, outputs }) => {
            outputs.push(...(await collect(stage(source.iterable))));
          },
        };
      for (const [how, way] of Object.entries(ways)) {
        const started = start(items);
        await way(started);
        try {
          checkConservation(subject, items, started.outputs, started.dropped);
        } catch (error) {
          throw new ConformanceViolation(subject.name, `in ${how}: ${(error as Error).message}`);
        }
      }
    }),
    check('closes its source when a later pipeline step fails', undefined, async () => {
      const { pipeline } = await import('node:stream/promises');
      const clock = countingClock();
      await withoutUnhandledRejections(subject.name, async () => {
        const failure = new Error('sink failed');
        const { stage, source } = start(naturals(), { clock });
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
        if (!source.state.closed)
          throw new ConformanceViolation(subject.name, 'source not closed after the sink failed');
      });
      await expectNothingLeft(subject.name, clock);
    }),
    check(
      'rejects each bad option at call time with a typed option error',
      badOptions === undefined || badOptions.length === 0
        ? 'the subject declares no `badOptions`'
        : undefined,
      async () => {
        for (const bad of badOptions ?? []) checkOptionError(subject.name, bad);
      },
    ),
  ];
}
