/**
 * The library-script side of bench/cli.ts: the same pipeline `backpressure-kit solve` runs
 * (stream the file line by line, parse and validate, boundedBuffer, solveStage, one JSON line
 * per record with the same fields, `elapsedMs` included) written directly against the library,
 * as a user would, against the same zero-latency mock in the same process. Bundled and run in
 * its own process by bench/cli.ts.
 *
 * Usage: node cli-library-run.mjs tasks.jsonl out.jsonl
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { boundedBuffer } from '../src/index.js';
import { DEFAULT_MOCK_KEY, startMockSolver } from '../src/mock/index.js';
import { createSolver, solveStage, type Task, validateTask } from '../src/solver/index.js';

const [input = '', output = ''] = process.argv.slice(2);
const MAX = 50;
const mock = await startMockSolver({
  keys: { [DEFAULT_MOCK_KEY]: { threads: MAX } },
  latency: 0,
  timeScale: 0.01,
  logSize: 0,
});
// The same timings the CLI uses with --time-scale 0.01 --first-poll-delay 0 --poll-interval 1.
const solver = createSolver({
  apiKey: DEFAULT_MOCK_KEY,
  baseUrl: mock.url,
  firstPollDelay: 0,
  pollInterval: 1,
  transientDelay: 50,
});
type IdTask = Task & { id: string | number };
const solve = solveStage<IdTask>(solver, {
  max: MAX,
  min: MAX,
  rateLimit: false,
  retryDelay: 10,
  breaker: { resetTimeout: 300 },
});

async function* tasks(): AsyncGenerator<IdTask> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(input) })) {
    line++;
    const task = JSON.parse(text) as Task & { id?: string | number };
    validateTask(task);
    yield { ...task, id: task.id ?? line };
  }
}

// When each task entered the solver stage, for the record's `elapsedMs`.
const since = new Map<IdTask, number>();
async function* timed(source: AsyncIterable<IdTask>): AsyncGenerator<IdTask> {
  for await (const task of source) {
    since.set(task, performance.now());
    yield task;
  }
}

const out = createWriteStream(output);
for await (const result of solve(timed(boundedBuffer<IdTask>(3 * MAX)(tasks())))) {
  const { task } = result;
  const elapsedMs = Math.round(performance.now() - since.get(task)!);
  since.delete(task);
  const record =
    result.status === 'solved'
      ? { id: task.id, status: 'solved', token: result.token, attempts: result.attempts, elapsedMs }
      : {
          id: task.id,
          status: 'failed',
          kind: result.kind,
          code: result.reason.code,
          reason: result.reason.message,
          attempts: result.attempts,
          elapsedMs,
        };
  if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
await solver.close();
await mock.close();
