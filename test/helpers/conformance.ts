import { it } from 'vitest';
import { type ConformanceSubject, conformanceChecks } from '../../src/testing/index.js';

/**
 * Registers every conformance check of `subject` as a vitest test. A check the subject opts
 * out of calls the test context's `skip(reason)`, so vitest reports it skipped, not passed.
 */
export function registerConformance(subject: ConformanceSubject): void {
  for (const check of conformanceChecks(subject)) it(check.name, check.run);
}
