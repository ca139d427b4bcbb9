/**
 * Reads one `in.php` / `res.php` body, in JSON (`json=1`) or text mode, without trusting it:
 * anything that is not a protocol answer comes back as `malformed` with a short description,
 * never with the body itself (HTML pages can be large and may echo request data).
 */

/** A parsed answer. */
export type Answer =
  /** `status: 1` / `OK|…` / a bare balance number / `OK_REPORT_RECORDED`. */
  | { readonly type: 'ok'; readonly value: string }
  /** `status: 0` / a bare code such as `CAPCHA_NOT_READY` or `ERROR: 1005`. */
  | { readonly type: 'code'; readonly code: string }
  /** Not a protocol answer; `what` describes it (`an empty body`, `an HTML page`, …). */
  | { readonly type: 'malformed'; readonly what: string };

const codeToken = /^(?:[A-Z][A-Z0-9_]*|ERROR: ?\d+)$/;
const numberToken = /^-?\d+(?:\.\d+)?$/;

function fromJson(text: string): Answer {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { type: 'malformed', what: 'malformed JSON' };
  }
  if (typeof data !== 'object' || data === null)
    return { type: 'malformed', what: 'JSON without a status' };
  const { status, request } = data as { status?: unknown; request?: unknown };
  // Ids and balances come as strings or numbers (CaptchaAI answers ids as integers).
  const value =
    typeof request === 'string'
      ? request
      : typeof request === 'number' && Number.isFinite(request)
        ? String(request)
        : undefined;
  if (value === undefined) return { type: 'malformed', what: 'JSON without a request field' };
  // An empty value is still an answer: the caller decides what an empty id or token means.
  if (status === 1 || status === '1') return { type: 'ok', value };
  if (value.length === 0) return { type: 'malformed', what: 'JSON without a request field' };
  // A code is a short protocol token; anything else (an HTML page in `request`…) is not one.
  if (status === 0 || status === '0')
    return codeToken.test(value) && value.length <= 64
      ? { type: 'code', code: value }
      : { type: 'malformed', what: 'JSON with an unrecognized error' };
  return { type: 'malformed', what: 'JSON with an unknown status' };
}

/**
 * Parses a response body.
 *
 * @example
 * ```ts
 * parseAnswer('{"status":1,"request":2122988149}'); // { type: 'ok', value: '2122988149' }
 * parseAnswer('OK|03AGdBq2…');                        // { type: 'ok', value: '03AGdBq2…' }
 * parseAnswer('CAPCHA_NOT_READY');                   // { type: 'code', code: 'CAPCHA_NOT_READY' }
 * parseAnswer('<html>502 Bad Gateway</html>');       // { type: 'malformed', what: 'an HTML page' }
 * ```
 */
export function parseAnswer(body: string): Answer {
  const text = body.trim();
  if (text.length === 0) return { type: 'malformed', what: 'an empty body' };
  const first = text.charCodeAt(0);
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) return fromJson(text);
  if (first === 0x3c /* < */) return { type: 'malformed', what: 'an HTML page' };
  // An empty value is still an answer: the caller decides what an empty id or token means.
  if (text.startsWith('OK|')) return { type: 'ok', value: text.slice(3) };
  if (text === 'OK_REPORT_RECORDED') return { type: 'ok', value: text };
  if (numberToken.test(text)) return { type: 'ok', value: text };
  if (codeToken.test(text) && text.length <= 64) return { type: 'code', code: text };
  return { type: 'malformed', what: 'an unrecognized text body' };
}
