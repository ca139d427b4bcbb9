/**
 * The anchor controllers the simulation compares against, written from their published
 * formulas (AIMD, Netflix's Gradient2 and Vegas limits; models of the algorithms, not the libraries themselves). Each
 * is a {@link LimitAlgorithm}, so it runs in the pure engine and in the real stage alike.
 */

import { mulberry32 as rng } from '../../src/internal/mulberry32.js';
import {
  clampLimit,
  type LimitAlgorithm,
  type LimitController,
  type LimitSample,
} from '../../src/limit/limit-algorithm.js';

/** The seed design: every 10 s, +2 if backlog > 30 and errors < 10 %, −1 if backlog < 5 or errors > 20 %. */
export function seedLimit(backlog: () => number = () => Number.POSITIVE_INFINITY): LimitAlgorithm {
  return {
    name: 'seed',
    create(bounds): LimitController {
      let limit = clampLimit(bounds.initial, bounds);
      let tickAt = Number.NaN;
      let calls = 0;
      let errors = 0;
      return {
        get limit() {
          return limit;
        },
        onSample(s: LimitSample) {
          if (Number.isNaN(tickAt)) tickAt = s.now + 10_000;
          calls++;
          if (s.outcome === 'drop' || s.outcome === 'failure') errors++;
          while (s.now >= tickAt) {
            const rate = calls ? errors / calls : 0;
            const depth = backlog();
            if (depth > 30 && rate < 0.1) limit = clampLimit(limit + 2, bounds);
            else if (depth < 5 || rate > 0.2) limit = clampLimit(limit - 1, bounds);
            calls = 0;
            errors = 0;
            tickAt += 10_000;
          }
          return limit;
        },
      };
    },
  };
}

/** Netflix Gradient2 (per-sample, drops ignored: their RTT is used like any other). */
export function gradient2Limit(): LimitAlgorithm {
  return {
    name: 'gradient2',
    create(bounds): LimitController {
      let limit = clampLimit(bounds.initial, bounds);
      let longRtt = 0;
      let warm = 0;
      return {
        get limit() {
          return limit;
        },
        onSample(s: LimitSample) {
          if (s.outcome === 'ignore' || s.outcome === 'failure') return limit;
          const rtt = s.latencyMs;
          if (warm < 10) {
            longRtt = (longRtt * warm + rtt) / (warm + 1);
            warm++;
          } else {
            longRtt += (2 / 601) * (rtt - longRtt);
          }
          if (longRtt / rtt > 2) longRtt *= 0.95;
          if (s.inFlight < limit / 2) return limit;
          const g = Math.min(1, Math.max(0.5, (1.5 * longRtt) / rtt));
          limit = clampLimit(0.8 * limit + 0.2 * (g * limit + 4), bounds);
          return limit;
        },
      };
    },
  };
}

/** Netflix Vegas (per sample; alpha = 3·log10 L, beta = 6·log10 L, periodic probe of the no-load RTT). */
export function vegasLimit(seed = 7): LimitAlgorithm {
  return {
    name: 'vegas',
    create(bounds): LimitController {
      const random = rng(seed);
      let limit = clampLimit(bounds.initial, bounds);
      let noLoad = Number.POSITIVE_INFINITY;
      let probeCount = 0;
      let probeJitter = 0.5 + random() * 0.5;
      return {
        get limit() {
          return limit;
        },
        onSample(s: LimitSample) {
          if (s.outcome === 'ignore' || s.outcome === 'failure') return limit;
          const lg = Math.max(1, Math.floor(Math.log10(limit)));
          probeCount++;
          if (probeCount >= probeJitter * 30 * limit) {
            probeCount = 0;
            probeJitter = 0.5 + random() * 0.5;
            noLoad = s.latencyMs;
            return limit;
          }
          if (s.latencyMs < noLoad) {
            noLoad = s.latencyMs;
            return limit;
          }
          if (s.outcome === 'drop') {
            limit = clampLimit(limit - lg, bounds);
            return limit;
          }
          if (2 * s.inFlight < limit) return limit;
          const q = Math.ceil(limit * (1 - noLoad / s.latencyMs));
          let next = limit;
          if (q <= lg) next = limit + 6 * lg;
          else if (q < 3 * lg) next = limit + lg;
          else if (q > 6 * lg) next = limit - lg;
          limit = clampLimit(Math.max(1, next), bounds);
          return limit;
        },
      };
    },
  };
}
