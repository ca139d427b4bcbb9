import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * fast-check is an optional peer dependency: only the arbitraries (and the conformance checks,
 * which run fast-check properties) may load it. This walks the real import graph of every other
 * module of `src/testing/` (static imports, re-exports and dynamic imports, as TypeScript reads
 * them) and fails if fast-check is reachable from one of them.
 */
const testingDir = join(import.meta.dirname, '..', '..', 'src', 'testing');
const mayLoadFastCheck = new Set(['arbitraries.ts', 'load-fast-check.ts']);

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** Every bare package a module reaches through relative imports. */
function packagesReachedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    // It imports fast-check only when called, by a conformance check that runs a property.
    if (file.endsWith('load-fast-check.ts')) return;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      else packages.add(spec);
    }
  };
  visit(entry);
  return packages;
}

describe('fast-check stays optional in backpressure-kit/testing', () => {
  const modules = readdirSync(testingDir).filter((f) => f.endsWith('.ts'));

  for (const module of modules.filter((m) => !mayLoadFastCheck.has(m))) {
    it(`${module} does not load fast-check`, () => {
      expect([...packagesReachedFrom(join(testingDir, module))]).not.toContain('fast-check');
    });
  }

  it('the arbitraries do load it (so the walk above can see it)', () => {
    expect(packagesReachedFrom(join(testingDir, 'arbitraries.ts'))).toContain('fast-check');
  });
});
