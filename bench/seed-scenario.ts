/**
 * The demo's seed scenario (`src/cli/demo-scenario.ts`, what `backpressure-kit demo` shows):
 * a scraper producing 100 tasks/s with a 48 KiB image each into a solver of 5 workers doing
 * 10 solves/s, the pending work held by an unbounded queue, `boundedBuffer(50)` or `shed(50)`.
 * The three variants run side by side, each in its own process (as the demo runs them);
 * every sample records the queue depth and the producer's total wait so far.
 *
 *   node --import tsx bench/seed-scenario.ts [--quick]
 */
import { fork } from 'node:child_process';
import {
  type DemoMessage,
  type DemoScenario,
  type DemoVariant,
  seedScenario,
} from '../src/cli/demo-scenario.js';
import { GroupRecorder, quick } from './results.js';

type Result = Extract<DemoMessage, { type: 'result' }>;
type Sample = Extract<DemoMessage, { type: 'sample' }>;

// --quick: the same shape ten times faster and ten times shorter.
const scenario: DemoScenario = quick
  ? {
      ...seedScenario,
      tasks: 20,
      producePerSecond: 1_000,
      solvesPerSecond: 100,
      payloadBytes: 1024,
      capacity: 5,
      sampleEveryMs: 25,
    }
  : seedScenario;
const variants: DemoVariant[] = ['unbounded', 'boundedBuffer', 'shed'];

function runVariant(variant: DemoVariant): Promise<{ result: Result; samples: Sample[] }> {
  const child = fork(
    new URL('../src/cli/demo-scenario.ts', import.meta.url),
    [variant, JSON.stringify(scenario)],
    {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const samples: Sample[] = [];
  let result: Result | undefined;
  return new Promise((resolve, reject) => {
    child.on('message', (message: DemoMessage) => {
      if (message.type === 'sample') samples.push(message);
      else result = message;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result ? resolve({ result, samples }) : reject(new Error(`${variant} exited with ${code}`)),
    );
  });
}

const recorder = new GroupRecorder('seed-scenario', {
  title: "The demo's seed scenario: queue depth and producer wait",
  about:
    `A scraper producing ${scenario.producePerSecond} tasks/s (${scenario.tasks} tasks, each with a ` +
    `${Math.round(scenario.payloadBytes / 1024)} KiB base64 image) into a solver of ${scenario.workers} ` +
    `workers doing ${scenario.solvesPerSecond} solves/s in all, the pending work held by an ` +
    `unbounded queue, \`boundedBuffer(${scenario.capacity})\` or \`shed(${scenario.capacity})\` ` +
    '(every fourth task at a higher priority) — the data of `backpressure-kit demo` ' +
    '(`src/cli/demo-scenario.ts`). The three variants run side by side, each in its own ' +
    `process, sampled every ${scenario.sampleEveryMs} ms; retained heap is measured after a forced gc.`,
  command: 'node --import tsx bench/seed-scenario.ts',
});

const runs = await Promise.all(variants.map((variant) => runVariant(variant)));
recorder.table({
  title: 'Outcome per variant',
  columns: [
    'variant',
    'solved',
    'dropped',
    'time',
    'peak queue depth',
    'producer waited',
    'peak retained heap growth',
  ],
  rows: runs.map(({ result }) => [
    result.variant,
    String(result.done),
    String(Object.values(result.dropped).reduce((a, b) => a + b, 0)),
    `${(result.elapsedMs / 1000).toFixed(1)} s`,
    String(result.peakDepth),
    `${(result.producerWaitMs / 1000).toFixed(1)} s`,
    `${(result.peakRetainedBytes / 2 ** 20).toFixed(1)} MB`,
  ]),
});
recorder.series(
  'overTime',
  runs.map(({ result, samples }) => ({
    variant: result.variant,
    samples: samples.map((s) => [s.atMs, s.depth, s.producerWaitMs]),
  })),
);
recorder.save();
