/**
 * Checks of what the service hands back before the solver trusts it: a task id goes into
 * later requests and into messages, a token goes to the caller as the solution.
 */

/** Longest task id accepted: both providers use numeric ids of about ten digits. */
export const maxTaskIdLength = 128;

/** Printable ASCII without spaces: what a task id may contain. */
const taskIdPattern = /^[\x21-\x7e]+$/;

/**
 * Why `value` is not usable as a task id (for a message), or `undefined` when it is: it must
 * be 1 to {@link maxTaskIdLength} printable ASCII characters without spaces (so no CR/LF, no
 * control character, nothing that can split a header or a log line).
 */
export function taskIdProblem(value: string): string | undefined {
  if (value.length === 0) return 'an empty task id';
  if (value.length > maxTaskIdLength) return `a task id longer than ${maxTaskIdLength} characters`;
  if (!taskIdPattern.test(value)) return 'a task id with spaces, control or non-ASCII characters';
  return undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `token` is not a solution (for a message), or `undefined` when it is: an empty or
 * whitespace-only token, one with control characters (line breaks and tabs included: a token
 * goes into forms and headers), one that was not valid UTF-8 on the wire (`validUtf8` false),
 * or one with a lone UTF-16 surrogate.
 */
export function tokenProblem(token: string, validUtf8: boolean): string | undefined {
  if (!validUtf8) return 'a token that is not valid UTF-8';
  if (token.trim().length === 0) return token.length === 0 ? 'an empty token' : 'a blank token';
  if (controlCharacter.test(token)) return 'a token with control characters';
  if (!isWellFormed(token)) return 'a token with a lone UTF-16 surrogate';
  return undefined;
}

/** `String.prototype.isWellFormed` (Node 20+; the ES2024 lib typing is not on here). */
export function isWellFormed(value: string): boolean {
  return (value as string & { isWellFormed(): boolean }).isWellFormed();
}
