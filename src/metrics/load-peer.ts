import { createRequire } from 'node:module';
import { BackpressureError } from '../errors.js';

const requireFromHere = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency when its exporter is first called, so that importing
 * `backpressure-kit/metrics` needs neither peer installed. A missing peer is a
 * `BackpressureError` with code `ERR_BPK_MISSING_PEER` that says what to install.
 */
export function loadPeer<T>(name: string, user: string): T {
  try {
    return requireFromHere(name) as T;
  } catch (cause) {
    if ((cause as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw cause;
    throw new BackpressureError(
      'ERR_BPK_MISSING_PEER',
      `${user} needs the optional peer dependency ${name}: npm install ${name}`,
      { cause },
    );
  }
}
