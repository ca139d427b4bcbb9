import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Entry points of the package; see `exports` in package.json.
const entries: Record<string, string> = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'solver/index': 'src/solver/index.ts',
  'mock/index': 'src/mock/index.ts',
  'cli/main': 'src/cli/main.ts',
};

export default defineConfig({
  entry: Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file))),
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
});
