import { InvalidOptionTypeError } from '../errors.js';
import * as validate from '../internal/validate.js';

/**
 * How long the service works on one task:
 * - `constant`: always `ms`;
 * - `uniform`: evenly between `minMs` and `maxMs`;
 * - `lognormal`: median `medianMs`, shape `sigma` (0.3 is a realistic CAPTCHA service: most
 *   tasks near the median, a long tail of slow ones).
 */
export type LatencyDistribution =
  | {
      /** Always the same. */
      readonly kind: 'constant';
      /** The service time, in ms. */
      readonly ms: number;
    }
  | {
      /** Evenly spread. */
      readonly kind: 'uniform';
      /** Shortest service time, in ms. */
      readonly minMs: number;
      /** Longest service time, in ms. */
      readonly maxMs: number;
    }
  | {
      /** Mostly near the median, with a long tail of slow ones. */
      readonly kind: 'lognormal';
      /** Median service time, in ms. */
      readonly medianMs: number;
      /** Spread: the standard deviation of the logarithm. */
      readonly sigma: number;
    };

/** A window of virtual time `[startMs, endMs)` (from the solver's creation) when the service is down. */
export interface OutageWindow {
  /** First millisecond of the outage. */
  readonly startMs: number;
  /** First millisecond after it. */
  readonly endMs: number;
}

/**
 * What a simulated solver service does, as plain data (fast-check generates and shrinks it:
 * see `solverBehaviours()`). Modelled on a CAPTCHA-solving service that sells capacity as
 * concurrent "threads".
 */
export interface SolverBehaviour {
  /** Tasks the service works on at once. An integer from 1 and up. */
  readonly threads: number;
  /**
   * Accepted tasks that may wait for a free thread. A task arriving when this many already
   * wait is refused with a no-slot answer (`ERROR_NO_SLOT_AVAILABLE`). 0: refuse whenever
   * every thread is busy.
   */
  readonly queueBound: number;
  /** Time the service works on one task. */
  readonly latency: LatencyDistribution;
  /** How long a refusal (no slot, outage) takes to arrive, in ms. @default 0 */
  readonly rejectMs?: number;
  /** Fraction (0 to 1) of worked tasks that end in an error instead of a token. @default 0 */
  readonly errorRate?: number;
  /**
   * Provider codes those errors carry, picked evenly.
   * @default ['ERROR_CAPTCHA_UNSOLVABLE']
   */
  readonly errorCodes?: readonly string[];
  /** Windows when every new task is refused after `rejectMs` (the service is down). @default [] */
  readonly outages?: readonly OutageWindow[];
  /** Seeds latencies and errors, so a run replays exactly. @default 1 */
  readonly seed?: number;
}

/** A validated {@link SolverBehaviour} with every default filled in. */
export interface ResolvedSolverBehaviour {
  /** See {@link SolverBehaviour.threads}. */
  readonly threads: number;
  /** See {@link SolverBehaviour.queueBound}. */
  readonly queueBound: number;
  /** See {@link SolverBehaviour.latency}. */
  readonly latency: LatencyDistribution;
  /** See {@link SolverBehaviour.rejectMs}. */
  readonly rejectMs: number;
  /** See {@link SolverBehaviour.errorRate}. */
  readonly errorRate: number;
  /** See {@link SolverBehaviour.errorCodes}. */
  readonly errorCodes: readonly string[];
  /** See {@link SolverBehaviour.outages}. */
  readonly outages: readonly OutageWindow[];
  /** See {@link SolverBehaviour.seed}. */
  readonly seed: number;
}

function resolveLatency(latency: unknown): LatencyDistribution {
  const l = validate.object<LatencyDistribution>('behaviour.latency', latency);
  const kind = validate.oneOf('behaviour.latency.kind', l.kind, [
    'constant',
    'uniform',
    'lognormal',
  ] as const);
  if (kind === 'constant') {
    return {
      kind,
      ms: validate.number('behaviour.latency.ms', (l as { ms: unknown }).ms, { min: 0 }),
    };
  }
  if (kind === 'uniform') {
    const u = l as { minMs: unknown; maxMs: unknown };
    const minMs = validate.number('behaviour.latency.minMs', u.minMs, { min: 0 });
    const maxMs = validate.number('behaviour.latency.maxMs', u.maxMs, { min: minMs });
    return { kind, minMs, maxMs };
  }
  const g = l as { medianMs: unknown; sigma: unknown };
  return {
    kind,
    medianMs: validate.number('behaviour.latency.medianMs', g.medianMs, { min: 0 }),
    sigma: validate.number('behaviour.latency.sigma', g.sigma, { min: 0 }),
  };
}

/**
 * Checks a {@link SolverBehaviour} and fills in its defaults.
 *
 * @throws TypeError / RangeError naming the first bad field (for example
 *   `behaviour.threads`) with what was allowed and what was received.
 */
export function resolveSolverBehaviour(behaviour: SolverBehaviour): ResolvedSolverBehaviour {
  const b = validate.object<SolverBehaviour>('behaviour', behaviour);
  const outages = validate.optional<readonly OutageWindow[]>(b.outages, [], (v) => {
    if (!Array.isArray(v)) {
      throw new InvalidOptionTypeError({
        option: 'behaviour.outages',
        expected: 'an array of { startMs, endMs } windows',
        received: v,
      });
    }
    return (v as unknown[]).map((w, i) => {
      const window = validate.object<OutageWindow>(`behaviour.outages[${i}]`, w);
      const startMs = validate.number(`behaviour.outages[${i}].startMs`, window.startMs, {
        min: 0,
      });
      const endMs = validate.number(`behaviour.outages[${i}].endMs`, window.endMs, {
        min: startMs,
      });
      return { startMs, endMs };
    });
  });
  const errorCodes = validate.optional<readonly string[]>(
    b.errorCodes,
    ['ERROR_CAPTCHA_UNSOLVABLE'],
    (v) => {
      if (!Array.isArray(v) || v.length === 0) {
        throw new InvalidOptionTypeError({
          option: 'behaviour.errorCodes',
          expected: 'a non-empty array of provider codes',
          received: v,
        });
      }
      return (v as unknown[]).map((c, i) =>
        validate.string(`behaviour.errorCodes[${i}]`, c, { nonEmpty: true }),
      );
    },
  );
  return {
    threads: validate.integer('behaviour.threads', b.threads, { min: 1 }),
    queueBound: validate.integer('behaviour.queueBound', b.queueBound, { min: 0 }),
    latency: resolveLatency(b.latency),
    rejectMs: validate.optional(b.rejectMs, 0, (v) =>
      validate.number('behaviour.rejectMs', v, { min: 0 }),
    ),
    errorRate: validate.optional(b.errorRate, 0, (v) =>
      validate.number('behaviour.errorRate', v, { min: 0, max: 1 }),
    ),
    errorCodes,
    outages,
    seed: validate.optional(b.seed, 1, (v) => validate.integer('behaviour.seed', v)),
  };
}

/** Draws one service time from `latency`, with `random` uniform in [0, 1). */
export function drawLatency(latency: LatencyDistribution, random: () => number): number {
  switch (latency.kind) {
    case 'constant':
      return latency.ms;
    case 'uniform':
      return latency.minMs + (latency.maxMs - latency.minMs) * random();
    case 'lognormal': {
      // Box-Muller: one standard normal from two uniforms.
      const u1 = Math.max(random(), 1e-12);
      const u2 = random();
      const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      return latency.medianMs * Math.exp(latency.sigma * normal);
    }
  }
}
