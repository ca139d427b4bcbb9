import { BackpressureError } from '../errors.js';

/**
 * `complete()` or `fail()` was called on a `QueueJob` that was already settled. A job is
 * settled once: the first call decides, and the second is a bug in the caller.
 */
export class JobSettledError extends BackpressureError {
  /** The BullMQ job id. */
  readonly jobId: string;

  constructor(jobId: string) {
    super('ERR_BPK_JOB_SETTLED', `Job ${jobId} was already completed or failed`);
    this.name = 'JobSettledError';
    this.jobId = jobId;
  }
}
