/**
 * `backpressure-kit/bullmq`: backpressure across a fleet, with BullMQ on Redis carrying the
 * work between machines. `bullmq` and `ioredis` are optional peer dependencies: install them
 * to use this entry point. Named exports only.
 */

export type { RedisSettingsReport } from './check-redis.js';
export { checkRedisSettings } from './check-redis.js';
export type { RedisHealthOptions } from './fleet-options.js';
export { jobRecord } from './job-record.js';
export { JobSettledError } from './job-settled-error.js';
export type { PauseFleetOptions } from './pause-fleet-while-open.js';
export { pauseFleetWhileOpen } from './pause-fleet-while-open.js';
export type { QueueSink, QueueSinkOptions, QueueSinkStats, SinkQueue } from './queue-sink.js';
export { queueBacklog, queueSink } from './queue-sink.js';
export type {
  QueueJob,
  QueueSource,
  QueueSourceOptions,
  QueueSourceStats,
} from './queue-source.js';
export { queueSource } from './queue-source.js';
export { RedisUnavailableError } from './redis-unavailable-error.js';
export { redisConnectionFromUrl } from './redis-url.js';
export type {
  ResumableSolverOptions,
  ResumeCapableSolver,
  ResumeOptions,
  SubmittedProgress,
} from './resumable-solver.js';
export { resumableSolver, storedCaptchaId } from './resumable-solver.js';
export type {
  SettleableRecord,
  SettleJobsOptions,
  SettleJobsStage,
  SettleJobsStats,
} from './settle-jobs.js';
export { jobOfTask, settleJobs } from './settle-jobs.js';
