import { mulberry32 } from '../internal/mulberry32.js';

/**
 * A small seedable pseudo-random generator (mulberry32). The mock keeps one stream per purpose
 * (latency, outcome, token, fault), so a fault drawn on a poll never shifts the latencies of
 * later tasks, and the same seed with the same request order reproduces a run exactly.
 */

/** Returns numbers in [0, 1). */
export type Random = () => number;

/** Mixes a label into a seed so each purpose gets an independent stream. */
function mix(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b);
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return h >>> 0;
}

/**
 * Creates the stream `label` of the generator seeded with `seed`.
 *
 * @example
 * ```ts
 * const latency = createRandom(42, 'latency');
 * latency(); // always the same first number for seed 42
 * ```
 */
export function createRandom(seed: number, label: string): Random {
  return mulberry32(mix(seed, label));
}
