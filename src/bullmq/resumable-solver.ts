import { jobOfTask } from './settle-jobs.js';

/** The options of a solve call that can resume a submitted task instead of paying again. */
export interface ResumeOptions {
  signal?: AbortSignal;
  /** A captcha id submitted earlier: poll it first, resubmit only if the service lost it. */
  resumeId?: string;
  /** Called with the service's captcha id right after a submit is accepted; a promise is awaited before polling. */
  onSubmitted?: ((captchaId: string) => void | PromiseLike<void>) | undefined;
}

/** Any solver whose `solve` takes {@link ResumeOptions} (the `backpressure-kit/solver` client does). */
export interface ResumeCapableSolver<T = never, S = unknown> {
  solve(task: T, options?: ResumeOptions): Promise<S>;
}

/** What a job's progress holds once its task was submitted. */
export interface SubmittedProgress {
  /** The service's captcha id of the last submit for this job. */
  readonly captchaId: string;
}

/** Options of {@link resumableSolver}. */
export interface ResumableSolverOptions {
  /** Called when storing a captcha id on its job failed (Redis away): a crash then may pay twice. */
  onStoreError?: (error: unknown, captchaId: string) => void;
}

/** The captcha id stored on a job's progress, if any. */
export function storedCaptchaId(progress: unknown): string | undefined {
  if (typeof progress !== 'object' || progress === null) return undefined;
  const id = (progress as Partial<SubmittedProgress>).captchaId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * Never pay twice for a crash: wraps a solver so that, for tasks that came from queue jobs
 * (through {@link settleJobs}), every submit's captcha id is stored on the job (its progress,
 * `{ captchaId }`) the moment the service accepts it, and a job delivered again (its worker died)
 * first polls that stored id (`resumeId`) and resubmits only if the service no longer has it
 * (results live about five minutes there). Only a task's first solve call in a process resumes:
 * a later call (a resubmit after an unsolvable answer) submits afresh and stores its new id.
 *
 * The id is stored before the solver's first poll (the solver awaits `onSubmitted`). Still paid
 * twice: a task whose worker died after the submit was accepted and before its id reached
 * Redis (one round trip), and a redelivered task whose stored result had expired.
 * Tasks that did not come from a job are solved as the inner solver does.
 *
 * @example
 * ```ts
 * const solve = solveStage(resumableSolver(solver), { max: 20 });
 * for await (const record of settleJobs(solve)(queueSource<Task>('captcha', { connection }))) log(record);
 * ```
 */
export function resumableSolver<S extends ResumeCapableSolver<never, unknown>>(
  solver: S,
  options: ResumableSolverOptions = {},
): S {
  if (typeof solver !== 'object' || solver === null || typeof solver.solve !== 'function')
    throw new TypeError('resumableSolver: expected a solver with a solve() method');
  const resumed = new WeakSet<object>();
  const solve = (task: never, callOptions: ResumeOptions = {}) => {
    const job = jobOfTask(task);
    if (job === undefined) return solver.solve(task, callOptions);
    const first = !resumed.has(job.data as object);
    resumed.add(job.data as object);
    const resumeId = first ? storedCaptchaId(job.job.progress) : undefined;
    return solver.solve(task, {
      ...callOptions,
      ...(resumeId === undefined ? {} : { resumeId }),
      // Awaited by the solver before its first poll: the id is in Redis before any answer.
      onSubmitted: async (captchaId: string) => {
        await callOptions.onSubmitted?.(captchaId);
        const progress: SubmittedProgress = { captchaId };
        // A failed store must not fail the solve (that would submit, and pay, again).
        await job.job.updateProgress(progress).catch((error: unknown) => {
          options.onStoreError?.(error, captchaId);
        });
      },
    });
  };
  return new Proxy(solver, {
    get(target, property) {
      if (property === 'solve') return solve;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
