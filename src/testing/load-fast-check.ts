import type * as FastCheck from 'fast-check';
import { BackpressureError } from '../errors.js';

/**
 * Loads fast-check (an optional peer dependency) when a property first runs, so that importing
 * `backpressure-kit/testing` needs it only for the conformance checks. A missing fast-check is a
 * `BackpressureError` with code `ERR_BPK_MISSING_PEER` that says what to install.
 */
export async function loadFastCheck(user: string): Promise<typeof FastCheck> {
  try {
    const loaded = (await import('fast-check')) as typeof FastCheck & {
      default?: typeof FastCheck;
    };
    // The CJS build sees the module namespace; either shape carries the same API.
    return loaded.default ?? loaded;
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw cause;
    throw new BackpressureError(
      'ERR_BPK_MISSING_PEER',
      `${user} needs the optional peer dependency fast-check: npm install fast-check`,
      { cause },
    );
  }
}
