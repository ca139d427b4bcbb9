import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  BackpressureError,
  hasErrorCode,
  InvalidOptionTypeError,
  InvalidOptionValueError,
  isAbortError,
} from '../../src/index.js';

describe('errors', () => {
  it('isAbortError: ours and the platform AbortError, not a timeout', () => {
    expect(isAbortError(new AbortedError('why'))).toBe(true);
    expect(isAbortError(AbortSignal.abort().reason)).toBe(true);
    expect(isAbortError(new DOMException('late', 'TimeoutError'))).toBe(false);
    expect(isAbortError(new Error('boom'))).toBe(false);
    expect(isAbortError('AbortError')).toBe(false);
  });

  it('AbortedError keeps the platform name, a stable code and the reason as cause', () => {
    const reason = new Error('shutdown');
    const error = new AbortedError(reason);
    expect(error).toBeInstanceOf(BackpressureError);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ERR_BPK_ABORTED', cause: reason });
    expect(hasErrorCode(error, 'ERR_BPK_ABORTED')).toBe(true);
    expect(hasErrorCode({ code: 'ERR_BPK_ABORTED' }, 'ERR_BPK_ABORTED')).toBe(true);
    expect(hasErrorCode(null, 'ERR_BPK_ABORTED')).toBe(false);
  });

  it('option errors extend TypeError / RangeError and name option, range and value', () => {
    const type = new InvalidOptionTypeError({ option: 'a.b', expected: 'a number', received: 'x' });
    const value = new InvalidOptionValueError({
      option: 'n',
      expected: 'an integer from 1 and up',
      received: 0,
    });
    expect(type).toBeInstanceOf(TypeError);
    expect(value).toBeInstanceOf(RangeError);
    expect(type.message).toBe('Expected `a.b` to be a number, got "x"');
    expect(value.message).toBe('Expected `n` to be an integer from 1 and up, got 0');
    expect(type.code).toBe('ERR_BPK_INVALID_OPTION_TYPE');
    expect(value.code).toBe('ERR_BPK_INVALID_OPTION_VALUE');
  });
});
