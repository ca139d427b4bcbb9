import type { ConnectionOptions } from 'bullmq';
import { InvalidOptionValueError } from '../errors.js';

/**
 * ioredis options from a `redis://` or `rediss://` URL (host, port, user, password, database
 * number, TLS), with `maxRetriesPerRequest: null` as BullMQ workers need. The password never
 * appears in an error.
 *
 * @throws `InvalidOptionValueError` naming `option` for anything but a redis URL.
 * @example
 * ```ts
 * const connection = redisConnectionFromUrl('redis://127.0.0.1:6379/0');
 * ```
 */
export function redisConnectionFromUrl(url: string, option = 'redis'): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidOptionValueError({
      option,
      expected: 'a redis:// or rediss:// URL, such as redis://127.0.0.1:6379',
      received: parsed.protocol === 'invalid:' ? 'not a URL' : parsed.protocol,
    });
  }
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db !== '' && /^\d+$/.test(db) ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}
