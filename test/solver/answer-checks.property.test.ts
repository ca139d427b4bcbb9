import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { maxTaskIdLength, taskIdProblem, tokenProblem } from '../../src/solver/answer-checks.js';
import { InvalidTaskError, validateTask } from '../../src/solver/index.js';

const printable = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: maxTaskIdLength,
});
const control = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

describe('answer checks', () => {
  test.prop([printable])('any 1-128 printable ASCII characters is a usable task id', (id) => {
    expect(taskIdProblem(id)).toBeUndefined();
  });

  test.prop([fc.string(), control, fc.string()])(
    'a task id with a control character is refused',
    (a, c, b) => {
      expect(taskIdProblem(`${a}${c}${b}`)).toBeDefined();
    },
  );

  test.prop([printable, fc.integer({ min: 1, max: 300 })])(
    'a task id over 128 characters is refused',
    (id, extra) => {
      expect(taskIdProblem(id.padEnd(maxTaskIdLength + extra, '7'))).toBeDefined();
    },
  );

  test.prop([fc.string(), control, fc.string()])(
    'a token with a control character is not a solution',
    (a, c, b) => {
      expect(tokenProblem(`x${a}${c}${b}`, true)).toBeDefined();
    },
  );

  test.prop([fc.string(), loneSurrogate, fc.string()])(
    'a token with a lone surrogate is not a solution',
    (a, s, b) => {
      // a surrogate pair formed with a neighbour is well formed: keep it lone
      fc.pre(!/[\ud800-\udbff]$/.test(a) && !/^[\udc00-\udfff]/.test(b));
      expect(tokenProblem(`x${a}${s}${b}`, true)).toBeDefined();
    },
  );

  test.prop([printable])(
    'printable tokens are solutions, unless the wire bytes were not UTF-8',
    (token) => {
      expect(tokenProblem(token, true)).toBeUndefined();
      expect(tokenProblem(token, false)).toBeDefined();
    },
  );

  test.prop([loneSurrogate, fc.constantFrom('sitekey', 'pageurl', 'action', 'data')])(
    'a lone surrogate in any string field of a task is an InvalidTaskError naming it',
    (s, field) => {
      const task: Record<string, unknown> = {
        type: 'turnstile',
        sitekey: 'k',
        pageurl: 'https://example.com/',
      };
      task[field] = field === 'pageurl' ? `https://example.com/${s}` : `k${s}`;
      expect(() => validateTask(task)).toThrow(InvalidTaskError);
      try {
        validateTask(task);
      } catch (error) {
        expect((error as InvalidTaskError).field).toBe(field);
      }
    },
  );
});
