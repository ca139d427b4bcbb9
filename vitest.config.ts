import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Docs examples import the package by name, as users do; in the repo that is the source.
    alias: [
      { find: /^backpressure-kit$/, replacement: src('index.ts') },
      { find: /^backpressure-kit\/(.+)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '.ci/**'],
    typecheck: {
      enabled: false,
      include: ['test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
    reporters: ['default', 'json'],
    outputFile: { json: './test-results/vitest.json' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
