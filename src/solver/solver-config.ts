import type { Dispatcher } from 'undici';
import { InvalidOptionTypeError, InvalidOptionValueError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';
import * as v from '../internal/validate.js';
import { isWellFormed } from './answer-checks.js';
import { type ProviderName, providerNames, providers } from './provider.js';
import type { SolverOptions } from './solver-options.js';
import type { Task } from './task.js';

/**
 * The validated, defaulted options of a solver, frozen. The API key is not part of it: it goes
 * straight to the transport, so no config object a debugger or a log may show ever holds it.
 */
export interface SolverConfig {
  readonly provider: ProviderName;
  readonly baseUrl: URL;
  /** `undefined`: the per-type defaults. */
  readonly firstPollDelay: number | ((task: Task) => number) | undefined;
  readonly pollInterval: number;
  readonly pollJitter: number;
  /** `undefined`: 180 s, or 90 s for images. */
  readonly timeout: number | undefined;
  readonly submitRetries: number;
  readonly requestTimeout: number;
  readonly transientDelay: number;
  readonly responseFormat: 'json' | 'text';
  readonly stopOnFatal: boolean;
  readonly clock: Clock;
  readonly random: () => number;
  readonly connections: number;
  /** A dispatcher the caller passed (never closed by the solver), or `undefined` for an own Pool. */
  readonly dispatcher: Dispatcher | undefined;
}

const loopbackHosts = new Set(['localhost', '[::1]', '::1']);

function isLoopback(hostname: string): boolean {
  return loopbackHosts.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** A URL as it may appear in an error: no userinfo, query or fragment (they can hold secrets). */
function safeHref(url: URL): string {
  const hidden = [
    url.username !== '' || url.password !== '' ? 'credentials' : '',
    url.search !== '' ? 'query' : '',
    url.hash !== '' ? 'fragment' : '',
  ].filter(Boolean);
  const shown = `${url.protocol}//${url.host}${url.pathname}`;
  return hidden.length === 0 ? shown : `${shown} (${hidden.join(', ')} removed)`;
}

function checkBaseUrl(value: unknown, allowInsecure: boolean): URL {
  const expected = 'an https: URL (or http: to a loopback host) without query, hash or credentials';
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new InvalidOptionTypeError({
      option: 'baseUrl',
      expected: 'a string or a URL',
      received: `[${kindOf(value)}]`,
    });
  }
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    // An unparseable string may still hold a secret: show its length only.
    throw new InvalidOptionValueError({
      option: 'baseUrl',
      expected,
      received: `[not a URL, ${String(value).length} characters]`,
    });
  }
  const bad =
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== '';
  if (bad)
    throw new InvalidOptionValueError({ option: 'baseUrl', expected, received: safeHref(url) });
  if (url.protocol === 'http:' && !allowInsecure && !isLoopback(url.hostname)) {
    throw new InvalidOptionValueError({
      option: 'baseUrl',
      expected: 'https: for a non-loopback host (set allowInsecure: true to send the key in clear)',
      received: safeHref(url),
    });
  }
  return url;
}

/** What a value is, without showing it (for errors about the key). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  return 'an object';
}

/**
 * The API key, checked without ever putting it (or a wrong-typed value that may be it, such
 * as a `Buffer` or a number) into an error: `received` says only what kind of value it was.
 */
function checkApiKey(value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidOptionTypeError({
      option: 'apiKey',
      expected: 'a non-empty string',
      received: `[redacted ${kindOf(value)}]`,
    });
  }
  if (value.length === 0)
    throw new InvalidOptionValueError({
      option: 'apiKey',
      expected: 'a non-empty string',
      received: '',
    });
  if (!isWellFormed(value)) {
    throw new InvalidOptionValueError({
      option: 'apiKey',
      expected: 'a well-formed string (no lone UTF-16 surrogate)',
      received: '[redacted string]',
    });
  }
  return value;
}

/**
 * Validates every option of `createSolver` at once, in a fixed order, naming the option on
 * error (`TypeError` for a wrong type, `RangeError` for a bad value). Returns the frozen
 * config and, apart from it, the checked key.
 */
export function parseSolverOptions(options: unknown): {
  readonly config: SolverConfig;
  readonly apiKey: string;
} {
  const opts = v.object<SolverOptions>('options', options);
  const provider = v.optional(opts.provider, 'captchaai', (x) =>
    v.oneOf('provider', x, providerNames),
  );
  const apiKey = checkApiKey(opts.apiKey);
  const allowInsecure = v.optional(opts.allowInsecure, false, (x) => v.boolean('allowInsecure', x));
  const baseUrl = checkBaseUrl(opts.baseUrl ?? providers[provider].baseUrl, allowInsecure);
  const firstPollDelay = v.optional(opts.firstPollDelay, undefined, (x) =>
    typeof x === 'function' ? (x as (task: Task) => number) : v.duration('firstPollDelay', x),
  );
  const pollInterval = v.optional(opts.pollInterval, 5_000, (x) => v.duration('pollInterval', x));
  const pollJitter = v.optional(opts.pollJitter, 0.1, (x) =>
    v.number('pollJitter', x, { min: 0, max: 1 }),
  );
  const timeout = v.optional(opts.timeout, undefined, (x) => v.duration('timeout', x, { min: 1 }));
  const submitRetries = v.optional(opts.submitRetries, 2, (x) =>
    v.integer('submitRetries', x, { min: 0 }),
  );
  const requestTimeout = v.optional(opts.requestTimeout, 15_000, (x) =>
    v.duration('requestTimeout', x, { min: 1 }),
  );
  const transientDelay = v.optional(opts.transientDelay, 5_000, (x) =>
    v.duration('transientDelay', x),
  );
  const responseFormat = v.optional(opts.responseFormat, 'json' as const, (x) =>
    v.oneOf('responseFormat', x, ['json', 'text'] as const),
  );
  const stopOnFatal = v.optional(opts.stopOnFatal, true, (x) => v.boolean('stopOnFatal', x));
  const clock = v.optional(opts.clock, systemClock, (x) => v.clock<Clock>('clock', x));
  const random = v.optional(opts.random, Math.random, (x) => v.func<() => number>('random', x));
  const connections = v.optional(opts.connections, 64, (x) =>
    v.integer('connections', x, { min: 1 }),
  );
  const dispatcher = v.optional<Dispatcher | undefined>(opts.dispatcher, undefined, (x) => {
    if (typeof x !== 'object' || x === null || typeof (x as Dispatcher).request !== 'function')
      v.func('dispatcher.request', undefined);
    return x as Dispatcher;
  });
  const config: SolverConfig = Object.freeze({
    provider,
    baseUrl,
    firstPollDelay,
    pollInterval,
    pollJitter,
    timeout,
    submitRetries,
    requestTimeout,
    transientDelay,
    responseFormat,
    stopOnFatal,
    clock,
    random,
    connections,
    dispatcher,
  });
  return { config, apiKey };
}
