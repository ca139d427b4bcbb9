import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { interpretReply, type ReplyContext } from '../../src/solver/interpret-reply.js';
import { providerNames } from '../../src/solver/provider.js';
import { SolverError } from '../../src/solver/solver-error.js';
import type { Reply } from '../../src/solver/transport.js';

const context = fc.record<ReplyContext>({
  endpoint: fc.constantFrom('in', 'res'),
  phase: fc.constantFrom('submit', 'poll', 'balance', 'report'),
  taskId: fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }),
  provider: fc.constantFrom(...providerNames),
  transientDelay: fc.integer({ min: 0, max: 10_000 }),
});

const html = fc
  .tuple(fc.constantFrom('', ' ', '\n'), fc.string({ maxLength: 300 }))
  .map(([ws, rest]) => `${ws}<!DOCTYPE html><html><body>${rest}</body></html>`);

function outcome(reply: Reply, ctx: ReplyContext): string | undefined | SolverError {
  try {
    return interpretReply(reply, ctx);
  } catch (error) {
    expect(error).toBeInstanceOf(SolverError);
    return error as SolverError;
  }
}

const reply = (status: number, text: string, contentType?: string): Reply => ({
  status,
  retryAfter: undefined,
  contentType,
  text,
  validUtf8: true,
});

describe('interpretReply', () => {
  test.prop([fc.integer({ min: 500, max: 599 }), fc.string({ maxLength: 500 }), context])(
    'any 5xx is transient, whatever the body',
    (status, body, ctx) => {
      const r = outcome(reply(status, body, 'text/html'), ctx);
      expect(r).toBeInstanceOf(SolverError);
      expect((r as SolverError).kind).toBe('transient');
      expect((r as SolverError).providerCode).toBeUndefined();
    },
  );

  test.prop([
    fc.integer({ min: 200, max: 499 }).filter((s) => s !== 429),
    fc.oneof(html, fc.constant(''), fc.constant('   '), fc.constant('{"status":1,"requ')),
    context,
  ])(
    'HTML pages, empty and malformed bodies are transient, never an API error',
    (status, body, ctx) => {
      const r = outcome(reply(status, body, 'text/html; charset=utf-8'), ctx) as SolverError;
      expect(r.kind).toBe('transient');
      expect(r.providerCode).toBeUndefined();
      expect(r.message).not.toContain('<');
    },
  );

  const anyBody = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc
      .tuple(fc.constantFrom(0, 1, '0'), fc.string({ maxLength: 400 }))
      .map(([status, request]) => JSON.stringify({ status, request })),
    html,
  );

  test.prop([anyBody, fc.string({ maxLength: 80 }), context])(
    'an error never quotes a long body or a strange content type',
    (body, contentType, ctx) => {
      const r = outcome(reply(200, body, contentType), ctx);
      if (!(r instanceof SolverError)) return;
      if (body.trim().length > 64) expect(r.message).not.toContain(body.trim());
      if (contentType.includes('<')) expect(r.message).not.toContain(contentType);
      if (r.providerCode !== undefined) {
        expect(r.providerCode).toMatch(/^(?:[A-Z][A-Z0-9_]*|ERROR: ?\d+)$/);
        expect(r.providerCode.length).toBeLessThanOrEqual(64);
      }
      expect(r.message.length).toBeLessThan(300);
    },
  );

  test.prop([fc.constantFrom('CAPCHA_NOT_READY', 'CAPTCHA_NOT_READY'), fc.boolean(), context])(
    'not ready: poll again while polling, transient elsewhere',
    (code, asJson, ctx) => {
      const body = asJson ? JSON.stringify({ status: 0, request: code }) : code;
      const r = outcome(reply(200, body), ctx);
      if (ctx.phase === 'poll') expect(r).toBeUndefined();
      else expect((r as SolverError).kind).toBe('transient');
    },
  );

  test.prop([fc.oneof(fc.integer({ min: 1 }), fc.stringMatching(/^[A-Za-z0-9]{1,40}$/)), context])(
    'a success gives its value as a string',
    (value, ctx) => {
      expect(outcome(reply(200, JSON.stringify({ status: 1, request: value })), ctx)).toBe(
        String(value),
      );
    },
  );

  test.prop([fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }), context])(
    'HTTP 429 is rate-limited with a wait',
    (seconds, ctx) => {
      const r = outcome(
        {
          status: 429,
          retryAfter: seconds === undefined ? undefined : seconds * 1000,
          contentType: undefined,
          validUtf8: true,
          text: '',
        },
        ctx,
      ) as SolverError;
      expect(r.kind).toBe('rate-limited');
      expect(r.retryAfter).toBe(seconds === undefined ? ctx.transientDelay : seconds * 1000);
    },
  );
});
