import type { ResolvedScript, ResolvedStep } from './resolve-options.js';
import type { MockTaskScript } from './types.js';

/** Reads a script front to back: one step per request of a route, one entry per new task. */
export class ScriptCursor {
  private inAt = 0;
  private resAt = 0;
  private taskAt = 0;

  constructor(private readonly script: ResolvedScript) {}

  /** The next step for a request to `route`, consuming it, or `undefined` when used up. */
  nextStep(route: 'in' | 'res'): ResolvedStep | undefined {
    if (route === 'in') return this.script.in[this.inAt++];
    return this.script.res[this.resAt++];
  }

  /** The next task entry, consuming it, or `undefined` when used up. */
  nextTask(): MockTaskScript | undefined {
    return this.script.tasks[this.taskAt++];
  }
}
