import { describe, expect, it } from 'vitest';
import { main } from '../../examples/pipeline-property-test.js';

describe('examples/pipeline-property-test.ts', () => {
  it('checks the pipeline in every generated scenario', async () => {
    await expect(main(40)).resolves.toBe(40);
  });
});
