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
  numRuns: 10,
});
for (const check of checks) await check.run();
console.log(`${checks.length} conformance checks passed`);

// Virtual time: sleeps fire only when the test advances the clock, instantly and in order.
const clock = new VirtualClock();
const fired: number[] = [];
void clock.sleep(1_000).then(() => fired.push(clock.now()));
void clock.sleep(30_000).then(() => fired.push(clock.now()));
await clock.advance(60_000);
console.log(fired); // [ 1000, 30000 ]
if (fired.join() !== '1000,30000') throw new Error('virtual time went wrong');
