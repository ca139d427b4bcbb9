import { taskIdProblem, tokenProblem } from './answer-checks.js';
import { classifyCode } from './classify-code.js';
import { parseAnswer } from './parse-answer.js';
import { type ProviderName, providers } from './provider.js';
import { SolverError, type SolverPhase } from './solver-error.js';
import type { Reply } from './transport.js';

/** Where a reply came from, and how the solver is configured. */
export interface ReplyContext {
  readonly endpoint: 'in' | 'res';
  readonly phase: SolverPhase;
  readonly taskId: string | undefined;
  readonly provider: ProviderName;
  /** `retryAfter` of transient failures, in ms. */
  readonly transientDelay: number;
}

/** The media type of a `Content-Type` header, and nothing else the server put there. */
function mediaType(contentType: string | undefined): string {
  const match =
    contentType === undefined ? null : /^\s*([\w.+-]{1,40}\/[\w.+-]{1,60})/.exec(contentType);
  return match ? match[1]! : 'no readable content type';
}

/**
 * Classifies one HTTP reply: resolves to the answer's value (`OK|…` / `status: 1`), to
 * `undefined` for "not ready" while polling, or throws a {@link SolverError}:
 *
 * - HTTP 429: `rate-limited`, `retryAfter` from `Retry-After` (or `transientDelay`);
 * - HTTP 5xx, an HTML page, an empty, malformed or unrecognized body, a success with an error
 *   status: `transient`, described by status, content type and size, never quoted;
 * - HTTP 3xx: `transient`, naming the status (redirects are never followed);
 * - a protocol code: its kind from {@link classifyCode} for the provider, the code verbatim in
 *   `providerCode`. "Not ready" outside polling is `transient`;
 * - an accepted submit whose task id is unusable (empty, over 128 characters, spaces, CR/LF or
 *   other control or non-ASCII characters): `transient` (the answer is unreadable);
 * - a solved poll whose token is not a solution (empty, blank, control characters, invalid
 *   UTF-8, a lone surrogate): `unsolvable`, since polling again returns the same answer.
 *
 * @example
 * ```ts
 * interpretReply({ status: 200, retryAfter: undefined, contentType: 'application/json',
 *   text: '{"status":0,"request":"CAPCHA_NOT_READY"}' },
 *   { endpoint: 'res', phase: 'poll', taskId: '1', provider: 'captchaai', transientDelay: 5_000 });
 * // undefined: poll again
 * ```
 */
export function interpretReply(reply: Reply, context: ReplyContext): string | undefined {
  const { endpoint, phase, taskId, provider, transientDelay } = context;
  const where = `${endpoint}.php`;
  const { status } = reply;
  if (status === 429) {
    throw new SolverError({
      kind: 'rate-limited',
      message: `${where} answered HTTP 429 (too many requests)`,
      retryAfter: reply.retryAfter ?? transientDelay,
      status,
      phase,
      taskId,
    });
  }
  if (status >= 300 && status < 400) {
    // Never followed (the key would go along with a re-POST): a redirect is not an answer.
    throw new SolverError({
      kind: 'transient',
      message: `${where} answered HTTP ${status} (a redirect, not followed)`,
      retryAfter: reply.retryAfter ?? transientDelay,
      status,
      phase,
      taskId,
    });
  }
  const answer = status >= 500 ? undefined : parseAnswer(reply.text);
  if (
    answer === undefined ||
    answer.type === 'malformed' ||
    (answer.type === 'ok' && (status < 200 || status >= 300))
  ) {
    const what = answer?.type === 'malformed' ? answer.what : 'an error status';
    throw new SolverError({
      kind: 'transient',
      message: `Unreadable answer from ${where}: ${what} (HTTP ${status}, ${mediaType(reply.contentType)}, ${Buffer.byteLength(reply.text)} bytes)`,
      retryAfter: reply.retryAfter ?? transientDelay,
      status,
      phase,
      taskId,
    });
  }
  if (answer.type === 'ok') return checkValue(answer.value, reply, context);
  const meaning = classifyCode(answer.code, provider);
  if (meaning.kind === 'not-ready' && phase === 'poll') return undefined;
  throw new SolverError({
    kind: meaning.kind === 'not-ready' ? 'transient' : meaning.kind,
    message: `${providers[provider].label} answered ${answer.code} on ${phase}: ${meaning.meaning} (${meaning.kind})`,
    providerCode: answer.code,
    retryAfter:
      reply.retryAfter ?? (meaning.kind === 'transient' ? transientDelay : meaning.retryAfter),
    status,
    phase,
    taskId,
  });
}

/** The value of an `ok` answer, checked for what the phase uses it as. */
function checkValue(value: string, reply: Reply, context: ReplyContext): string {
  const { endpoint, phase, taskId, transientDelay } = context;
  if (phase === 'submit') {
    const problem = reply.validUtf8 ? taskIdProblem(value) : 'a task id that is not valid UTF-8';
    if (problem !== undefined) {
      throw new SolverError({
        kind: 'transient',
        message: `Unreadable answer from ${endpoint}.php: ${problem} (HTTP ${reply.status})`,
        retryAfter: reply.retryAfter ?? transientDelay,
        status: reply.status,
        phase,
      });
    }
  } else if (phase === 'poll') {
    const problem = tokenProblem(value, reply.validUtf8);
    if (problem !== undefined) {
      throw new SolverError({
        kind: 'unsolvable',
        message: `${endpoint}.php answered ${problem}: not a solution`,
        status: reply.status,
        phase,
        taskId,
      });
    }
  }
  return value;
}
