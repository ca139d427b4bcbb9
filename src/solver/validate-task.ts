import { describeValue } from '../errors.js';
import { isWellFormed } from './answer-checks.js';
import { InvalidTaskError } from './invalid-task-error.js';
import { type ProviderName, providers } from './provider.js';
import { type Task, type TaskType, taskTypes } from './task.js';

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

function fail(field: string, expected: string, received: unknown): never {
  throw new InvalidTaskError(
    field,
    `Invalid task: expected \`${field}\` to be ${expected}, got ${describeValue(received)}`,
  );
}

/** A field's value if the task has it as an own enumerable property (nothing inherited is sent). */
function own(task: Record<string, unknown>, field: string): unknown {
  return Object.prototype.propertyIsEnumerable.call(task, field) ? task[field] : undefined;
}

/** A string that `encodeURIComponent` can encode: no lone UTF-16 surrogate. */
function wellFormed(field: string, value: string): void {
  if (!isWellFormed(value)) fail(field, 'a well-formed string (no lone UTF-16 surrogate)', value);
}

function nonEmptyString(task: Record<string, unknown>, field: string): void {
  const value = own(task, field);
  if (typeof value !== 'string' || value.trim().length === 0)
    fail(field, 'a non-empty string', value);
  wellFormed(field, value);
}

function optionalString(task: Record<string, unknown>, field: string): void {
  const value = own(task, field);
  if (value === undefined) return;
  if (typeof value !== 'string') fail(field, 'a string', value);
  wellFormed(field, value);
}

/** Decoded size of a base64 text, in bytes. */
function base64Bytes(body: string): number {
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  return Math.floor((body.length * 3) / 4) - padding;
}

function pageUrl(task: Record<string, unknown>): void {
  nonEmptyString(task, 'pageurl');
  let protocol = '';
  try {
    protocol = new URL(own(task, 'pageurl') as string).protocol;
  } catch {
    // handled below
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    fail('pageurl', 'an http: or https: URL', own(task, 'pageurl'));
}

/**
 * Checks that `task` is a {@link Task} the solver can send, before any request is made. Only
 * the task's own enumerable fields count (inherited ones are neither checked nor sent); every
 * string must be well-formed (no lone UTF-16 surrogate, which no form encoding can carry); an
 * image may not exceed the provider's documented size (`providers[provider].maxImageBytes`:
 * 1024 KB on CaptchaAI, 600 KB on 2captcha). Unknown extra fields are allowed and ignored
 * (JSON Lines files often carry more).
 *
 * @param provider whose image size limit applies. @default 'captchaai'
 * @throws {InvalidTaskError} naming the first bad field (`type`, `sitekey`, `pageurl`, `body`,
 *   `invisible`, `action`, `minScore`, `data`, `id` or `priority`).
 * @example
 * ```ts
 * validateTask({ type: 'turnstile', sitekey: '0x4AAA', pageurl: 'https://example.com' }); // ok
 * validateTask({ type: 'turnstile', pageurl: 'https://example.com' }); // throws: `sitekey`
 * ```
 */
export function validateTask(
  task: unknown,
  provider: ProviderName = 'captchaai',
): asserts task is Task {
  if (typeof task !== 'object' || task === null || Array.isArray(task))
    fail('task', 'a task object', task);
  const t = task as Record<string, unknown>;
  const type = own(t, 'type');
  if (!(taskTypes as readonly unknown[]).includes(type))
    fail('type', `one of ${taskTypes.map((x) => `'${x}'`).join(', ')}`, type);
  const id = own(t, 'id');
  if (id !== undefined && typeof id !== 'string' && !Number.isFinite(id))
    fail('id', 'a string or a finite number', id);
  if (typeof id === 'string') wellFormed('id', id);
  const priority = own(t, 'priority');
  if (priority !== undefined && !Number.isFinite(priority))
    fail('priority', 'a finite number', priority);
  if (type === 'image') {
    const body = own(t, 'body');
    if (typeof body !== 'string' || body.length === 0) fail('body', 'a non-empty string', body);
    if (body.startsWith('data:')) fail('body', 'plain base64 without a data: prefix', body);
    if (!base64.test(body)) fail('body', 'base64 text', body);
    const { label, maxImageBytes } = providers[provider];
    const bytes = base64Bytes(body);
    if (bytes > maxImageBytes) {
      throw new InvalidTaskError(
        'body',
        `Invalid task: the image is ${bytes} bytes, above ${label}'s documented limit of ${maxImageBytes} bytes (${maxImageBytes / 1024} KB)`,
      );
    }
    return;
  }
  nonEmptyString(t, 'sitekey');
  pageUrl(t);
  switch (type as Exclude<TaskType, 'image'>) {
    case 'recaptcha-v2': {
      const invisible = own(t, 'invisible');
      if (invisible !== undefined && typeof invisible !== 'boolean')
        fail('invisible', 'a boolean', invisible);
      return;
    }
    case 'recaptcha-v3': {
      optionalString(t, 'action');
      const score = own(t, 'minScore');
      if (score !== undefined && (typeof score !== 'number' || !(score >= 0.1 && score <= 0.9)))
        fail('minScore', 'a number from 0.1 to 0.9', score);
      return;
    }
    case 'turnstile':
      optionalString(t, 'action');
      optionalString(t, 'data');
      return;
    case 'hcaptcha':
      return;
  }
}
