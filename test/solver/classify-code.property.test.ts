import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { classifyCode, knownCodes } from '../../src/solver/classify-code.js';
import { parseAnswer } from '../../src/solver/parse-answer.js';
import { providerNames } from '../../src/solver/provider.js';
import { solverErrorKinds } from '../../src/solver/solver-error.js';

const provider = fc.constantFrom(...providerNames);
const known = fc.constantFrom(...knownCodes());
const anyCode = fc.oneof(known, fc.string(), fc.stringMatching(/^ERROR_[A-Z_]{1,20}$/));

describe('classifyCode', () => {
  test.prop([anyCode, provider])('is total and deterministic', (code, p) => {
    const a = classifyCode(code, p);
    expect(solverErrorKinds).toContain(a.kind);
    expect(classifyCode(code, p)).toEqual(a);
    if (a.retryAfter !== undefined) expect(a.retryAfter).toBeGreaterThan(0);
  });

  test.prop([known])('providers differ only on ERROR_ZERO_BALANCE', (code) => {
    const a = classifyCode(code, 'captchaai');
    const b = classifyCode(code, '2captcha');
    if (code === 'ERROR_ZERO_BALANCE') {
      expect(a.kind).toBe('overload');
      expect(b.kind).toBe('fatal-account');
    } else {
      expect(a).toEqual(b);
    }
  });

  test.prop([fc.string(), provider])('only the two spellings mean not-ready', (code, p) => {
    const notReady = classifyCode(code, p).kind === 'not-ready';
    expect(notReady).toBe(code === 'CAPCHA_NOT_READY' || code === 'CAPTCHA_NOT_READY');
  });

  test.prop([fc.integer({ min: 1000, max: 9999 }), provider])(
    'ERROR: NNNN is rate-limited with a wait',
    (n, p) => {
      const a = classifyCode(`ERROR: ${n}`, p);
      expect(a.kind).toBe('rate-limited');
      expect(a.retryAfter).toBeGreaterThanOrEqual(30_000);
    },
  );

  test.prop([fc.stringMatching(/^ERROR_[A-Z]{3,12}_X$/), provider])(
    'an unknown ERROR_ code is fatal for the item, never retried as is',
    (code, p) => {
      expect(classifyCode(code, p).kind).toBe('fatal-item');
    },
  );

  test.prop([fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty'), provider])(
    'prototype names are not codes',
    (code, p) => {
      expect(classifyCode(code, p).kind).toBe('transient');
    },
  );
});

describe('parseAnswer', () => {
  test.prop([fc.string({ unit: 'binary' })])('never throws', (body) => {
    const answer = parseAnswer(body);
    expect(['ok', 'code', 'malformed']).toContain(answer.type);
  });

  test.prop([fc.string()])('an HTML page is never an answer or a code', (rest) => {
    expect(parseAnswer(`<${rest}`).type).toBe('malformed');
    expect(parseAnswer(`  \n<!DOCTYPE html>${rest}`).type).toBe('malformed');
  });

  const id = fc.oneof(
    fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    fc.stringMatching(/^[A-Za-z0-9-]{1,30}$/),
  );

  test.prop([id, fc.constantFrom(1, '1')])(
    'JSON ids may be numbers or strings',
    (value, status) => {
      expect(parseAnswer(JSON.stringify({ status, request: value }))).toEqual({
        type: 'ok',
        value: String(value),
      });
    },
  );

  test.prop([fc.stringMatching(/^[A-Za-z0-9_\-.|]{1,200}$/)])(
    'text OK| carries the rest',
    (token) => {
      expect(parseAnswer(`OK|${token}`)).toEqual({ type: 'ok', value: token });
    },
  );

  test.prop([known, fc.boolean()])('codes come through in both modes', (code, asJson) => {
    const body = asJson ? JSON.stringify({ status: 0, request: code }) : code;
    expect(parseAnswer(body)).toEqual({ type: 'code', code });
  });

  test.prop([fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 20 })])(
    'truncated JSON is malformed',
    (token, cut) => {
      const full = JSON.stringify({ status: 1, request: token });
      const truncated = full.slice(0, Math.max(1, full.length - cut));
      fc.pre(truncated !== full);
      expect(parseAnswer(truncated).type).toBe('malformed');
    },
  );
});
