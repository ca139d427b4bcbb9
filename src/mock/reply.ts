import { errorText } from './error-texts.js';

const NOT_READY: ReadonlySet<string> = new Set(['CAPCHA_NOT_READY', 'CAPTCHA_NOT_READY']);

/**
 * One protocol answer, in the two shapes the services send: plain text (`OK|123`,
 * `ERROR_…`) or JSON (`{"status":1,"request":"123"}`).
 */
export interface Answer {
  /** `1` for success, `0` for errors and "not ready". */
  readonly status: 0 | 1;
  /** The JSON `request` field: an id, token, balance or code. */
  readonly request: string | number;
  /** The plain-text body. */
  readonly text: string;
  /** What `state().answers` counts: `'OK'` for success, else the code. */
  readonly code: string;
  /** Task involved, for the request log. */
  readonly taskId?: number | undefined;
  /** Extra JSON fields (e.g. `price` of `get2`). */
  readonly extra?: Readonly<Record<string, string>>;
}

/** An error or status answer such as `ERROR_ZERO_BALANCE` or `CAPCHA_NOT_READY`. */
export function errorAnswer(code: string, taskId?: number): Answer {
  return { status: 0, request: code, text: code, code, taskId };
}

/** A success answer whose text form is `OK|value`. */
export function okAnswer(request: string | number, taskId?: number): Answer {
  return { status: 1, request, text: `OK|${request}`, code: 'OK', taskId };
}

/**
 * Serialises an answer as the service would. JSON errors carry `error_text` (a description of
 * the code, as 2captcha sends); "not ready" is a status, not an error, and carries none.
 */
export function formatAnswer(answer: Answer, json: boolean): string {
  if (!json) return answer.text;
  let body = `{"status":${answer.status},"request":${JSON.stringify(answer.request)}`;
  if (answer.status === 0 && !NOT_READY.has(answer.code)) {
    body += `,"error_text":${JSON.stringify(errorText(answer.code))}`;
  }
  if (answer.extra) {
    for (const [name, value] of Object.entries(answer.extra)) {
      body += `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
    }
  }
  return `${body}}`;
}
