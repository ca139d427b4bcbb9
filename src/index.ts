/**
 * backpressure-kit: composable stages that keep a fast producer and a slow consumer healthy.
 * Named exports only; each block belongs to one part of the toolkit.
 */

// Errors
export type { BackpressureErrorCode, InvalidOptionDetails } from './errors.js';
export {
  AbortedError,
  BackpressureError,
  hasErrorCode,
  InvalidIteratorResultError,
  InvalidOptionTypeError,
  InvalidOptionValueError,
  InvalidSourceError,
  isAbortError,
} from './errors.js';
// Time
export type { Clock } from './internal/clock.js';
export { systemClock } from './internal/clock.js';
// The stage contract
export type { Source, Stage, StageContext, StageInput, StageOutput } from './stage.js';
export { compose } from './stage.js';

// boundedBuffer and shed (foundation)
export type {
  BoundedBufferOptions,
  BoundedBufferStats,
  BufferStage,
} from './stages/bounded-buffer.js';
export { boundedBuffer } from './stages/bounded-buffer.js';
export { DropCallbackError } from './stages/drop-callback-error.js';
export { PriorityError } from './stages/priority-error.js';
export type { DropReason, ShedOptions, ShedStage, ShedStats } from './stages/shed.js';
export { shed } from './stages/shed.js';

// adaptiveMap and limits

export type { AdaptiveLimitFunction, AdaptiveLimitOptions } from './limit/adaptive-limit.js';
export { adaptiveLimit } from './limit/adaptive-limit.js';
export type { AimdLimitOptions } from './limit/aimd-limit.js';
export { aimdLimit } from './limit/aimd-limit.js';
export { fixedLimit } from './limit/fixed-limit.js';
export type { KneeDecision, KneeLimitOptions } from './limit/knee-limit.js';
export { kneeLimit } from './limit/knee-limit.js';
export type {
  AlgorithmBoundsOptions,
  Limit,
  LimitAlgorithm,
  LimitBounds,
  LimitBoundsOptions,
  LimitController,
  LimitOutcome,
  LimitSample,
} from './limit/limit-algorithm.js';
export type { StageLimitOptions } from './limit/stage-limit-options.js';
export { adaptiveMap } from './stages/adaptive-map.js';
export type {
  AdaptiveMapCallContext,
  AdaptiveMapFn,
  AdaptiveMapOptions,
  AdaptiveMapOutcome,
  AdaptiveMapStage,
  AdaptiveMapStats,
  LimitChangeListener,
  SettledResult,
} from './stages/adaptive-map-types.js';
export { ItemFailedError } from './stages/item-failed-error.js';
// (end of adaptiveMap and limits: a detached comment keeps each block its own sort chunk)

// circuitBreaker, breakerGate, rateLimit, retry
export type {
  BreakerPermit,
  BreakerSnapshot,
  BreakerStats,
  BreakerWindow,
  CircuitBreaker,
  CircuitBreakerOptions,
  CircuitState,
  ExecuteOptions,
  FailureClass,
  HalfOpenOptions,
  IsolationHandle,
  ResetBackoffOptions,
  StateChange,
} from './breaker/breaker-types.js';
export { circuitBreaker } from './breaker/circuit-breaker.js';
export { CircuitIsolatedError } from './breaker/circuit-isolated-error.js';
export { CircuitOpenError } from './breaker/circuit-open-error.js';
// Observability: monitor() samples any stage's stats() on an interval
export type { MonitorOptions, MonitorSample, MonitorTick } from './metrics/monitor.js';
export { monitor } from './metrics/monitor.js';
export { StatsError } from './metrics/stats-error.js';
export type { StatsSource, StatsSources } from './metrics/stats-source.js';
export type {
  RateLimiter,
  RateLimiterOptions,
  RateLimiterStats,
} from './rate/rate-limiter.js';
export { rateLimiter } from './rate/rate-limiter.js';
export type { Backoff, BackoffContext } from './retry/backoff.js';
export { constantBackoff } from './retry/constant-backoff.js';
export { decorrelatedJitterBackoff } from './retry/decorrelated-jitter.js';
export { exponentialBackoff } from './retry/exponential-backoff.js';
export { fullJitterBackoff } from './retry/full-jitter.js';
export type { RetryContext, RetryEvent, RetryOptions } from './retry/retry.js';
export { retry } from './retry/retry.js';
export { RetryExhaustedError } from './retry/retry-exhausted-error.js';
export type {
  BreakerGateOptions,
  BreakerGateStage,
  BreakerGateStats,
} from './stages/breaker-gate.js';
export { breakerGate } from './stages/breaker-gate.js';
export type { RateLimitStage, RateLimitStats } from './stages/rate-limit.js';
export { rateLimit } from './stages/rate-limit.js';
export type { TimeoutContext, TimeoutOptions } from './timeout/timeout.js';
export { timeout } from './timeout/timeout.js';
export { TimeoutError } from './timeout/timeout-error.js';
