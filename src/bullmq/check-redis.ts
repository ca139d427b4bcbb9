import type { Redis } from 'ioredis';

/** What {@link checkRedisSettings} found. */
export interface RedisSettingsReport {
  /** `appendonly` is `yes`: a Redis restart keeps the queues. */
  readonly appendOnly: boolean | undefined;
  /** The `maxmemory-policy` (BullMQ needs `noeviction`). */
  readonly maxmemoryPolicy: string | undefined;
  /** One sentence per problem; empty when the settings are safe for a fleet. */
  readonly warnings: readonly string[];
}

/**
 * Reads the Redis settings a fleet depends on: AOF persistence (`appendonly yes`, or a restart
 * loses every queued job) and `maxmemory-policy noeviction` (any other policy lets Redis evict
 * job keys under memory pressure, which BullMQ cannot recover from). Where `CONFIG GET` is
 * refused (some managed services), says so instead of guessing.
 *
 * @example
 * ```ts
 * const report = await checkRedisSettings(await queue.client);
 * for (const warning of report.warnings) console.warn(warning);
 * ```
 */
export async function checkRedisSettings(client: Redis): Promise<RedisSettingsReport> {
  const read = async (name: string): Promise<string | undefined> => {
    try {
      const reply = (await client.config('GET', name)) as string[];
      return reply[1];
    } catch {
      return undefined;
    }
  };
  const appendonly = await read('appendonly');
  const policy = await read('maxmemory-policy');
  const warnings: string[] = [];
  if (appendonly === undefined)
    warnings.push('Could not read Redis appendonly (CONFIG GET refused): make sure AOF is on.');
  else if (appendonly !== 'yes')
    warnings.push(
      'Redis runs without AOF (appendonly no): a Redis restart loses queued and active jobs. Set appendonly yes.',
    );
  if (policy === undefined)
    warnings.push(
      'Could not read Redis maxmemory-policy (CONFIG GET refused): make sure it is noeviction.',
    );
  else if (policy !== 'noeviction')
    warnings.push(
      `Redis maxmemory-policy is ${policy}: Redis may evict job keys under memory pressure. Set it to noeviction.`,
    );
  return {
    appendOnly: appendonly === undefined ? undefined : appendonly === 'yes',
    maxmemoryPolicy: policy,
    warnings,
  };
}

/** The default `onRedisWarning`: a process warning with a stable code, printed once per text. */
export function emitRedisWarning(message: string): void {
  if (emitted.has(message)) return;
  emitted.add(message);
  process.emitWarning(message, { code: 'BPK_REDIS_SETTINGS' });
}

const emitted = new Set<string>();
