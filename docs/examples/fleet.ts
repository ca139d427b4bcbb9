import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import {
  pauseFleetWhileOpen,
  queueSink,
  queueSource,
  redisConnectionFromUrl,
  resumableSolver,
  settleJobs,
} from 'backpressure-kit/bullmq';
import { DEFAULT_MOCK_KEY, startMockSolver } from 'backpressure-kit/mock';
import { createSolver, solveStage, type Task } from 'backpressure-kit/solver';
import { Queue } from 'bullmq';

type Job = Task & { id: number };
const connection = redisConnectionFromUrl(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const name = `captcha-${randomUUID()}`; // one queue per run here; in production, 'captcha'
const mock = await startMockSolver({ timeScale: 0.001 }); // the account the fleet shares
const solver = createSolver({
  apiKey: DEFAULT_MOCK_KEY,
  baseUrl: mock.url,
  firstPollDelay: 20,
  pollInterval: 10,
});
const total = 30;
function* scrape(): Generator<Job> {
  for (let id = 1; id <= total; id++)
    yield { id, type: 'turnstile', sitekey: '0x4AAAAAAAA', pageurl: 'https://example.com/' };
}

// A producer, on any machine: waits while the backlog is at its mark.
const queue = new Queue<Job>(name, { connection: { ...connection, maxRetriesPerRequest: null } });
const producing = pipeline(
  scrape(),
  queueSink(queue, { highWaterMark: 10, jobId: (task) => `task-${task.id}` }),
);

// A worker, on any machine: pulls a job only when its pipeline has room.
const stop = new AbortController();
const jobs = queueSource<Job>(name, { connection, signal: stop.signal, lockDuration: 60_000 });
await jobs.queue.setGlobalConcurrency(10); // the account's threads, once for the fleet
const solve = solveStage(resumableSolver(solver), { max: 10 });
const disposePause = pauseFleetWhileOpen(solve.breaker, jobs.queue); // one open breaker pauses all
const settled = { solved: 0, failed: 0 };
try {
  for await (const record of settleJobs(solve)(jobs, { signal: stop.signal })) {
    settled[record.status === 'solved' ? 'solved' : 'failed']++; // failed: in BullMQ's failed set
    if (settled.solved + settled.failed === total) stop.abort(); // a real worker runs until stopped
  }
} catch (error) {
  if (!stop.signal.aborted) throw error;
} finally {
  disposePause();
  await jobs.close();
}
const summary = await producing;
const counts = await queue.getJobCounts('completed', 'failed');
console.log(`added ${summary.added}; solved ${settled.solved}, failed ${settled.failed}`, counts);
await queue.obliterate({ force: true });
await queue.close();
await solver.close();
await mock.close();
if (counts.completed !== settled.solved || counts.failed !== settled.failed)
  throw new Error('a job was not settled');
