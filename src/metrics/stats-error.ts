import { BackpressureError } from '../errors.js';

/**
 * A stage's `stats()` threw while `monitor` or a metrics exporter read it. `stage` is the name
 * the stage was given; `cause` is what `stats()` threw. The sampler or exporter goes on (see
 * `monitor`'s `onError`); the stage is simply missing from that one reading.
 */
export class StatsError extends BackpressureError {
  /** The name of the stage whose `stats()` threw. */
  readonly stage: string;

  constructor(stage: string, cause: unknown) {
    super(
      'ERR_BPK_STATS',
      `stats() of stage ${JSON.stringify(stage)} threw${cause instanceof Error ? `: ${cause.message}` : ''}`,
      { cause },
    );
    this.name = 'StatsError';
    this.stage = stage;
  }
}
