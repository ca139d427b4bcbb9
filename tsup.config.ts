import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

const present = (entries: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

export default defineConfig([
  {
    // The library's entry points; see `exports` in package.json.
    entry: present({
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'testing/arbitraries/index': 'src/testing/arbitraries/index.ts',
      'solver/index': 'src/solver/index.ts',
      'mock/index': 'src/mock/index.ts',
      'bullmq/index': 'src/bullmq/index.ts',
      'metrics/index': 'src/metrics/index.ts',
    }),
    format: ['esm', 'cjs'],
    dts: true,
    clean: false,
    sourcemap: true,
    target: 'node20',
    splitting: true,
    treeshake: true,
    // `import.meta.url` in the CJS build (the metrics entry loads its optional peers lazily).
    shims: true,
  },
  {
    // The `backpressure-kit` command: ESM only, not part of the importable API.
    entry: present({
      'cli/main': 'src/cli/main.ts',
      'cli/demo-scenario': 'src/cli/demo-scenario.ts',
    }),
    format: ['esm'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
    splitting: true,
  },
]);
