/**
 * A scraper feeding a CAPTCHA solver, with every stage of backpressure-kit in one pipeline,
 * against the local mock service (100x faster than the real one, with no-slot answers,
 * unsolvable tasks and a flaky res.php).
 *
 *   scrape ─► shed ─► rateLimit ─► breakerGate ─► adaptiveMap(breaker.wrap(retry(solve))) ─► boundedBuffer ─► save
 *
 * Run: npx tsx examples/scraper-to-solver.ts
 */
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import {
  adaptiveMap,
  boundedBuffer,
  breakerGate,
  CircuitOpenError,
  circuitBreaker,
  compose,
  type DropReason,
  rateLimit,
  retry,
  type SettledResult,
  shed,
} from 'backpressure-kit';
import { DEFAULT_MOCK_KEY, startMockSolver } from 'backpressure-kit/mock';
import {
  createSolver,
  isSolverError,
  type Solution,
  solverFailureClass,
  type Task,
} from 'backpressure-kit/solver';

/** A page the scraper found, with the CAPTCHA that guards it. */
export interface Job {
  readonly url: string;
  /** Higher is more important: shed keeps these when it must drop. */
  readonly priority: number;
  readonly task: Task;
}

/** What a run did with every job: each job is in exactly one of these. */
export interface RunSummary {
  readonly jobs: number;
  readonly solved: number;
  readonly failed: number;
  readonly dropped: Record<DropReason, number>;
  readonly limit: number;
  readonly breaker: string;
}

/** The scraper: finds a page every millisecond, far faster than CAPTCHAs are solved. */
async function* scrape(pages: number): AsyncGenerator<Job> {
  for (let i = 0; i < pages; i++) {
    await sleep(1);
    yield {
      url: `https://example.com/item/${i}`,
      priority: i % 10 === 0 ? 1 : 0, // every tenth page matters more
      task: { type: 'turnstile', sitekey: '0x4AAAAAAAA', pageurl: `https://example.com/item/${i}` },
    };
  }
}

export async function main(pages = 200): Promise<RunSummary> {
  const mock = await startMockSolver({
    keys: { [DEFAULT_MOCK_KEY]: { threads: 8 } }, // the account's threads
    timeScale: 0.01, // a 10 s solve takes 100 ms
    unsolvableRate: 0.05,
    faults: [{ kind: 'html-5xx', rate: 0.05, route: 'res' }],
    seed: 7,
  });
  const solver = createSolver({
    apiKey: DEFAULT_MOCK_KEY, // process.env.CAPTCHAAI_KEY in production
    baseUrl: mock.url, // leave out in production
    firstPollDelay: 20,
    pollInterval: 10,
  });
  const dropped: Record<DropReason, number> = { full: 0, evicted: 0, discarded: 0 };
  let solved = 0;
  let failed = 0;

  // Stops the flow while the service is down; ignores item-level answers (solverFailureClass).
  const breaker = circuitBreaker({
    failureThreshold: 5,
    resetTimeout: 200,
    isFailure: solverFailureClass,
  });
  // One task: retried on transient errors (network, 5xx, HTML) with jittered backoff.
  const solveOne = (job: Job, { signal }: { signal: AbortSignal }): Promise<Solution> =>
    retry(() => solver.solve(job.task, { signal }), {
      attempts: 3,
      initialDelay: 5,
      retryOn: (error) => isSolverError(error, 'transient'),
      signal,
    });

  const intake = shed<Job>({
    capacity: 100, // never block the scraper; drop the least important job when full
    priority: (job) => job.priority,
    onDrop: (_job, reason) => dropped[reason]++,
  });
  const solve = adaptiveMap(breaker.wrap(solveOne), {
    max: 8, // never more in flight than the account's threads
    settle: true, // one record per job, solved or failed
    retryDelayMs: 10,
    classify: ({ error }) =>
      error === undefined
        ? 'success'
        : error instanceof CircuitOpenError || isSolverError(error, 'overload')
          ? 'drop' // slow down and retry the job later: nothing is lost
          : 'failure',
  });

  try {
    await pipeline(
      scrape(pages),
      compose(
        intake,
        rateLimit<Job>({ rate: 100, interval: 100, burst: 10 }), // the provider's submit rule
        breakerGate<Job>(breaker), // waits while the breaker is open
        solve,
        boundedBuffer<SettledResult<Job, Solution>>(20), // a slow writer must not stall solving
      ),
      async (results: AsyncIterable<SettledResult<Job, Solution>>) => {
        for await (const result of results) {
          if (result.status === 'fulfilled')
            solved++; // save result.value.token now
          else failed++; // result.reason says why: unsolvable, or out of retries
          await sleep(0); // the writer
        }
      },
    );
  } finally {
    await solver.close();
    await mock.close();
  }
  const summary: RunSummary = {
    jobs: pages,
    solved,
    failed,
    dropped,
    limit: solve.stats().limit,
    breaker: breaker.state,
  };
  console.log(summary);
  // Every job is solved, failed, or dropped with a reason: none vanishes.
  const accounted = solved + failed + dropped.full + dropped.evicted + dropped.discarded;
  if (accounted !== pages) throw new Error(`${pages - accounted} jobs vanished`);
  return summary;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
