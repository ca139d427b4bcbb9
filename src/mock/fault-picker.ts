import type { Random } from './random.js';
import type { ResolvedFault } from './resolve-options.js';

/**
 * Picks at most one random fault per request: one draw from the fault stream, laid over the
 * rates of the faults that match the request, so each fault fires at its own rate.
 */
export class FaultPicker {
  private readonly fired: number[];

  constructor(
    private readonly faults: readonly ResolvedFault[],
    private readonly random: Random,
  ) {
    this.fired = faults.map(() => 0);
  }

  /** Whether any fault is configured (lets the hot path skip the draw). */
  get empty(): boolean {
    return this.faults.length === 0;
  }

  /** The fault for a request to `route` with `action` and `key`, or `undefined`. */
  pick(route: 'in' | 'res', action: string | undefined, key: string): ResolvedFault | undefined {
    const faults = this.faults;
    if (faults.length === 0) return undefined;
    const u = this.random();
    let edge = 0;
    for (let i = 0; i < faults.length; i++) {
      const fault = faults[i]!;
      if (fault.route !== 'any' && fault.route !== route) continue;
      if (fault.action !== undefined && (route !== 'res' || fault.action !== action)) continue;
      if (fault.key !== undefined && fault.key !== key) continue;
      if (this.fired[i]! >= fault.times) continue;
      edge += fault.rate;
      if (u < edge) {
        this.fired[i]!++;
        return fault;
      }
    }
    return undefined;
  }
}
