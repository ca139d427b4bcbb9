import { describeValue } from '../errors.js';
import { InvalidTaskError } from './solver-error.js';
import { type Task, type TaskType, taskTypes } from './task.js';

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

function fail(field: string, expected: string, received: unknown): never {
  throw new InvalidTaskError(
    field,
    `Invalid task: expected \`${field}\` to be ${expected}, got ${describeValue(received)}`,
  );
}

function nonEmptyString(task: Record<string, unknown>, field: string): void {
  const value = task[field];
  if (typeof value !== 'string' || value.trim().length === 0)
    fail(field, 'a non-empty string', value);
}

function optionalString(task: Record<string, unknown>, field: string): void {
  const value = task[field];
  if (value !== undefined && typeof value !== 'string') fail(field, 'a string', value);
}

function pageUrl(task: Record<string, unknown>): void {
  nonEmptyString(task, 'pageurl');
  let protocol = '';
  try {
    protocol = new URL(task.pageurl as string).protocol;
  } catch {
    // handled below
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    fail('pageurl', 'an http: or https: URL', task.pageurl);
}

/**
 * Checks that `task` is a {@link Task} the solver can send, before any request is made.
 * Unknown extra fields are allowed and ignored (JSON Lines files often carry more).
 *
 * @throws {InvalidTaskError} naming the first bad field (`type`, `sitekey`, `pageurl`, `body`,
 *   `invisible`, `action`, `minScore`, `data`, `id` or `priority`).
 * @example
 * ```ts
 * validateTask({ type: 'turnstile', sitekey: '0x4AAA', pageurl: 'https://example.com' }); // ok
 * validateTask({ type: 'turnstile', pageurl: 'https://example.com' }); // throws: `sitekey`
 * ```
 */
export function validateTask(task: unknown): asserts task is Task {
  if (typeof task !== 'object' || task === null || Array.isArray(task))
    fail('task', 'a task object', task);
  const t = task as Record<string, unknown>;
  if (!(taskTypes as readonly unknown[]).includes(t.type))
    fail('type', `one of ${taskTypes.map((x) => `'${x}'`).join(', ')}`, t.type);
  const type = t.type as TaskType;
  if (t.id !== undefined && typeof t.id !== 'string' && !Number.isFinite(t.id))
    fail('id', 'a string or a finite number', t.id);
  if (t.priority !== undefined && !Number.isFinite(t.priority))
    fail('priority', 'a finite number', t.priority);
  if (type === 'image') {
    const body = t.body;
    if (typeof body !== 'string' || body.length === 0) fail('body', 'a non-empty string', body);
    if (body.startsWith('data:')) fail('body', 'plain base64 without a data: prefix', body);
    if (!base64.test(body)) fail('body', 'base64 text', body);
    return;
  }
  nonEmptyString(t, 'sitekey');
  pageUrl(t);
  switch (type) {
    case 'recaptcha-v2':
      if (t.invisible !== undefined && typeof t.invisible !== 'boolean')
        fail('invisible', 'a boolean', t.invisible);
      return;
    case 'recaptcha-v3': {
      optionalString(t, 'action');
      const score = t.minScore;
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
