/**
 * backpressure-kit: composable stages that keep a fast producer and a slow consumer healthy.
 * Named exports only; each block belongs to one part of the toolkit.
 */

// Errors
export type { BackpressureErrorCode, InvalidOptionDetails } from './errors.js';
export {
  AbortedError,
  BackpressureError,
  DropCallbackError,
  hasErrorCode,
  InvalidOptionTypeError,
  InvalidOptionValueError,
  isAbortError,
  PriorityError,
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
export type { DropReason, ShedOptions, ShedStage, ShedStats } from './stages/shed.js';
export { shed } from './stages/shed.js';

// adaptiveMap and limits

// circuitBreaker, breakerGate, rateLimit, retry
