import { BackpressureError } from '../errors.js';

/**
 * `solve --metrics-port` cannot serve metrics: prom-client is not installed, or the port is
 * taken (`cause` is the listen error). The command prints the message and exits with 1.
 * Code `ERR_BPK_METRICS_UNAVAILABLE`.
 */
export class MetricsUnavailableError extends BackpressureError {
  constructor(message: string, cause?: unknown) {
    super('ERR_BPK_METRICS_UNAVAILABLE', message, cause === undefined ? undefined : { cause });
    this.name = 'MetricsUnavailableError';
  }
}
