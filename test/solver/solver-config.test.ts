import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/internal/clock.js';
import { parseSolverOptions } from '../../src/solver/solver-config.js';

const apiKey = 'k'.repeat(32);

describe('parseSolverOptions', () => {
  it('returns a frozen config with every default filled in, and the key apart from it', () => {
    const { config, apiKey: key } = parseSolverOptions({ apiKey });
    expect(key).toBe(apiKey);
    expect(Object.isFrozen(config)).toBe(true);
    expect(config).toMatchObject({
      provider: 'captchaai',
      pollInterval: 5_000,
      pollJitter: 0.1,
      timeout: undefined,
      submitRetries: 2,
      requestTimeout: 15_000,
      transientDelay: 5_000,
      responseFormat: 'json',
      stopOnFatal: true,
      clock: systemClock,
      random: Math.random,
      connections: 64,
      dispatcher: undefined,
    });
    expect(config.baseUrl.href).toBe('https://ocr.captchaai.com/');
    expect(inspect(config)).not.toContain(apiKey);
    expect(JSON.stringify(config)).not.toContain(apiKey);
  });

  it('checks every option at once, naming it', () => {
    expect(() => parseSolverOptions({ apiKey, pollJitter: 2 })).toThrow(
      expect.objectContaining({ code: 'ERR_BPK_INVALID_OPTION_VALUE', option: 'pollJitter' }),
    );
    expect(() => parseSolverOptions({ apiKey, dispatcher: {} })).toThrow(
      expect.objectContaining({
        code: 'ERR_BPK_INVALID_OPTION_TYPE',
        option: 'dispatcher.request',
      }),
    );
    expect(() => parseSolverOptions(null)).toThrow(
      expect.objectContaining({ code: 'ERR_BPK_INVALID_OPTION_TYPE', option: 'options' }),
    );
  });
});
