/**
 * `npx backpressure-kit solve` runs from an ordinary install: every package the solve command
 * can load (statically, or with `import()` as `--metrics-port` loads prom-client) is a regular
 * dependency in package.json, not a dev dependency or an optional peer a user may not have.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The package a bare import names: `undici` for `undici/x`, `@a/b` for `@a/b/c`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

describe('the solve command and package.json', () => {
  it('loads only packages listed in dependencies (prom-client included)', async () => {
    const result = await build({
      entryPoints: [join(root, 'src/cli/solve-command.ts')],
      bundle: true,
      write: false,
      outdir: 'out',
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const loaded = new Set<string>();
    for (const output of Object.values(result.metafile.outputs)) {
      for (const imported of output.imports) {
        if (!imported.external || imported.path.startsWith('node:')) continue;
        loaded.add(packageOf(imported.path));
      }
    }
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(loaded).toContain('prom-client');
    expect(loaded).toContain('undici');
    for (const name of loaded) expect(Object.keys(manifest.dependencies)).toContain(name);
  });
});
