import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every example in the README and docs is a file in docs/examples/, included verbatim after an
 * `<!-- example: docs/examples/NAME.ts -->` marker. This test keeps the copies identical and
 * runs every example; `tsc` type-checks them (tsconfig includes docs/examples).
 */
const root = join(import.meta.dirname, '..', '..');
const examplesDir = join(root, 'docs', 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.ts'));
const markdown = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];
const marker = /<!-- example: (docs\/examples\/[\w.-]+\.ts) -->\s*```ts\n([\s\S]*?)```/g;

describe('docs examples', () => {
  for (const file of markdown) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const match of text.matchAll(marker)) {
      const [, examplePath, block] = match;
      it(`${file} shows ${examplePath} verbatim`, () => {
        expect(block).toBe(readFileSync(join(root, examplePath!), 'utf8'));
      });
    }
  }

  // Examples that read REDIS_URL (the fleet's) need a Redis: skipped with a message without
  // one, except in CI, where .ci/run starts one and they must run.
  const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  const noRedis = !process.env.REDIS_URL && !inCi;
  for (const example of examples) {
    const skip =
      noRedis && readFileSync(join(examplesDir, example), 'utf8').includes('process.env.REDIS_URL');
    it.skipIf(skip)(
      `docs/examples/${example} runs${skip ? ' (skipped: set REDIS_URL to a Redis server to run it)' : ''}`,
      async () => {
        await import(join(examplesDir, example));
      },
    );
  }
});
