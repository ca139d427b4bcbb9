import assert from 'node:assert/strict';
import type { Source, Stage, StageContext } from 'backpressure-kit';
import { AbortedError } from 'backpressure-kit';
import { conformanceChecks, VirtualClock } from 'backpressure-kit/testing';

// A stage of your own: doubles every number, honouring the pipeline's abort signal.
const double: Stage<number, number> = async function* (
  source: Source<number>,
  context?: StageContext,
) {
  for await (const x of source) {
    if (context?.signal?.aborted) throw new AbortedError(context.signal.reason);
    yield x * 2;
  }
};

// The checks every stage of the toolkit passes; each is a name and an async run() that
// throws on a violation, so it fits any test framework: test(check.name, check.run).
const checks = conformanceChecks({
  name: 'double',
  create: () => double,
  inputOf: (output) => (output as number) / 2, // maps an output back to its input
  ordered: true,
  bound: 0, // a generator pulls only when its consumer asks: it holds nothing in between
  numRuns: 10,
});
const outcomes: string[] = [];
for (const check of checks) outcomes.push(`${await check.run()}: ${check.name}`);
// `double` has no options, so the option-error check is skipped (and says so), not passed.
assert.equal(outcomes.filter((o) => o.startsWith('passed')).length, checks.length - 1);
assert.match(outcomes.at(-1)!, /^skipped: double rejects each bad option .*no `badOptions`/);

// Virtual time: sleeps fire only when the test advances the clock, instantly and in order.
const clock = new VirtualClock();
const fired: number[] = [];
void clock.sleep(1_000).then(() => fired.push(clock.now()));
void clock.sleep(30_000).then(() => fired.push(clock.now()));
await clock.advance(60_000);
assert.deepEqual(fired, [1_000, 30_000]);
