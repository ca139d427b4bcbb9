/**
 * `settleJobs` under any interleaving of job fetches, stage calls and settles (fast-check's
 * scheduler; no Redis: the jobs are fakes whose settles the scheduler resolves):
 * - settles in flight plus settled records not yet yielded never exceed `maxSettling`;
 * - every record is yielded after its job's settle ended; no job is settled twice; a settle
 *   error goes to `onSettleError` with its job and the record is still yielded;
 * - pulls made ahead of the stage keep the jobs in the stage plus the pulls not yet handed to
 *   it within `readAhead` (by default the stage's limit), beyond what the stage pulled itself;
 * - an early exit settles every record the stage yielded and waits for those settles.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type QueueJob, settleJobs } from '../../src/bullmq/index.js';
import type { Source, StageContext } from '../../src/stage.js';
import { adaptiveMap } from '../../src/stages/adaptive-map.js';

interface Task {
  readonly n: number;
}
interface Rec {
  readonly task: Task;
  readonly status: 'solved' | 'failed';
}

it('settles each job once, before its record is yielded, within maxSettling and readAhead', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      fc.integer({ min: 1, max: 24 }), // jobs
      fc.integer({ min: 1, max: 5 }), // the stage's limit
      fc.integer({ min: 1, max: 5 }), // maxSettling
      fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }), // readAhead
      fc.array(fc.constantFrom('solved', 'failed', 'refused'), { minLength: 24, maxLength: 24 }),
      fc.option(fc.integer({ min: 1, max: 24 }), { nil: undefined }), // break after k records
      async (s, total, limit, maxSettling, readAhead, outcomes, breakAfter) => {
        const bound = readAhead ?? limit;
        const violations: string[] = [];
        let pulls = 0; // source pulls
        let stagePulls = 0;
        let stageRecords = 0;
        let settleCalls = 0;
        let settlesInFlight = 0;
        let settlesEnded = 0;
        let yielded = 0;
        let returned = false;
        const ended = new Set<QueueJob<Task>>();
        const settledTwice: string[] = [];
        const reported: string[] = [];

        const makeJob = (n: number): QueueJob<Task> => {
          let called = false;
          const settle = (): Promise<void> => {
            if (called) settledTwice.push(job.id);
            called = true;
            settleCalls++;
            settlesInFlight++;
            if (settlesInFlight + (settlesEnded - yielded) > maxSettling)
              violations.push(`${settlesInFlight} settling, ${settlesEnded - yielded} unyielded`);
            const refused = outcomes[n] === 'refused';
            return s.schedule(Promise.resolve(), `settle ${n}`).then(() => {
              settlesInFlight--;
              settlesEnded++;
              ended.add(job);
              if (refused) throw new Error(`lock lost ${n}`);
            });
          };
          const job: QueueJob<Task> = {
            id: `job-${n}`,
            data: { n },
            attempt: 1,
            job: undefined as never,
            complete: settle,
            fail: settle,
          };
          return job;
        };
        let next = 0;
        const source: AsyncIterableIterator<QueueJob<Task>> = {
          next() {
            pulls++;
            if (pulls - stageRecords > Math.max(bound, stagePulls - stageRecords))
              violations.push(
                `pull ${pulls}: ${pulls - stageRecords} out, stage pulled ${stagePulls}`,
              );
            const n = next++;
            const result: IteratorResult<QueueJob<Task>> =
              n < total ? { done: false, value: makeJob(n) } : { done: true, value: undefined };
            return s.schedule(Promise.resolve(result), `fetch ${n}`);
          },
          async return() {
            returned = true;
            return { done: true, value: undefined };
          },
          [Symbol.asyncIterator]() {
            return this;
          },
        };

        const inner = adaptiveMap(
          (task: Task): Promise<Rec> =>
            s.schedule(
              Promise.resolve({
                task,
                status: outcomes[task.n] === 'failed' ? ('failed' as const) : ('solved' as const),
              }),
              `solve ${task.n}`,
            ),
          { min: limit, max: limit },
        );
        // The stage as settleJobs sees it: adaptiveMap, counting its pulls and its records.
        const stage = Object.assign(
          (jobs: Source<Task>, context?: StageContext): AsyncIterableIterator<Rec> => {
            const input = (jobs as AsyncIterable<Task>)[Symbol.asyncIterator]();
            const counted: AsyncIterableIterator<Task> = {
              next: () => {
                stagePulls++;
                return input.next();
              },
              return: () => input.return?.() ?? Promise.resolve({ done: true, value: undefined }),
              [Symbol.asyncIterator]() {
                return this;
              },
            };
            const output = inner(counted, context);
            return {
              next: () =>
                output.next().then((r) => {
                  if (!r.done) stageRecords++;
                  return r;
                }),
              return: () => output.return?.() ?? Promise.resolve({ done: true, value: undefined }),
              [Symbol.asyncIterator]() {
                return this;
              },
            };
          },
          { stats: inner.stats, onLimitChange: inner.onLimitChange },
        );

        const settle = settleJobs<Task, Rec>(stage, {
          maxSettling,
          ...(readAhead === undefined ? {} : { readAhead }),
          onSettleError: (error, job) => reported.push(`${job.id}: ${(error as Error).message}`),
        });
        const out: Rec[] = [];
        const consumer = (async () => {
          for await (const record of settle(source)) {
            yielded++;
            out.push(record);
            const job = `job-${record.task.n}`;
            if (![...ended].some((j) => j.id === job)) violations.push(`${job} yielded unsettled`);
            if (out.length === breakAfter) break;
          }
        })();
        await s.waitFor(consumer);

        expect(violations).toEqual([]);
        expect(settledTwice).toEqual([]);
        // Every record the stage yielded was settled, and those settles ended before the exit.
        expect(settleCalls).toBe(stageRecords);
        expect(settlesEnded).toBe(settleCalls);
        expect(settle.stats().settling).toBe(0);
        const stats = settle.stats();
        expect(stats.completed + stats.failed + stats.settleErrors).toBe(settleCalls);
        const refusedIds = [...ended]
          .filter((j) => outcomes[j.data.n] === 'refused')
          .map((j) => `${j.id}: lock lost ${j.data.n}`);
        expect(reported.sort()).toEqual(refusedIds.sort());
        if (breakAfter === undefined || breakAfter > total) {
          expect(out.map((r) => r.task.n).sort((a, b) => a - b)).toEqual(
            Array.from({ length: total }, (_, i) => i),
          );
          expect(stats.settleErrors).toBe(
            outcomes.slice(0, total).filter((o) => o === 'refused').length,
          );
        } else {
          expect(out).toHaveLength(breakAfter);
          expect(returned).toBe(true);
        }
      },
    ),
    { numRuns: 150 },
  );
});
