import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { hasErrorCode } from 'backpressure-kit';
import * as metricsEntry from 'backpressure-kit/metrics';
import { describe, expect, it } from 'vitest';
import { loadPeer } from '../../src/metrics/load-peer.js';

const src = join(import.meta.dirname, '..', '..', 'src');

/** Every module the file imports, directly or not (relative imports followed; bare ones listed). */
function importGraph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/^(?:import|export)[^'";]*?from '([^']+)';/gm)) {
      if (spec!.startsWith('.')) visit(resolve(dirname(file), spec!.replace(/\.js$/, '.ts')));
      else bare.add(spec!);
    }
  };
  visit(entry);
  return { files, bare };
}

describe('backpressure-kit/metrics entry', () => {
  it('exports the public API by name', () => {
    expect(Object.keys(metricsEntry).sort()).toEqual(
      [
        'breakerStates',
        'metricCatalog',
        'readStageMetrics',
        'registerPrometheusMetrics',
        'serveMetrics',
      ].sort(),
    );
  });

  it('the root entry reaches neither the metrics entry, nor a peer, nor a node: module', () => {
    const { files, bare } = importGraph(join(src, 'index.ts'));
    expect(files.has(join(src, 'metrics', 'monitor.ts'))).toBe(true);
    expect(files.has(join(src, 'metrics', 'index.ts'))).toBe(false);
    expect([...bare]).toEqual([]);
  });

  it('the metrics entry loads no peer until an exporter is called', () => {
    const { bare } = importGraph(join(src, 'metrics', 'index.ts'));
    expect([...bare].sort()).toEqual(['node:http', 'node:module', 'node:net']);
  });

  it('a missing optional peer is a clear ERR_BPK_MISSING_PEER error', () => {
    let error: unknown;
    try {
      loadPeer('bpk-no-such-package', 'registerPrometheusMetrics');
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, 'ERR_BPK_MISSING_PEER')).toBe(true);
    expect((error as Error).message).toBe(
      'registerPrometheusMetrics needs the optional peer dependency bpk-no-such-package: npm install bpk-no-such-package',
    );
  });
});
