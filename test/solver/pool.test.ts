import { Pool as IndexPool } from 'undici';
import { describe, expect, it } from 'vitest';
import { Pool } from '../../src/solver/pool.js';

describe("the solver's Pool import", () => {
  it("is undici's own Pool class, loaded from its file (an undici upgrade that moves it fails here)", () => {
    expect(Pool).toBe(IndexPool);
  });
});
