/**
 * The start-up check of the Redis settings a fleet depends on (AOF, `noeviction`): read with
 * `CONFIG GET`, one warning per problem, and a warning (not a guess) when `CONFIG GET` is
 * refused. Against a fake client for each case, and against a redis-server of the test's own
 * switched to unsafe settings, where `queueSource` and `queueSink` both warn at start-up.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { emitRedisWarning } from '../../src/bullmq/check-redis.js';
import { checkRedisSettings, queueSink, queueSource } from '../../src/bullmq/index.js';
import { connectionOptions } from './redis.js';
import { hasRedisServer, type OwnRedis, startOwnRedis } from './redis-server.js';

/** A client whose `CONFIG GET` answers from `settings`, or refuses (as managed services do). */
function fakeClient(settings: Record<string, string> | 'refused'): Redis {
  return {
    async config(_get: string, name: string) {
      if (settings === 'refused') throw new Error("ERR unknown command 'CONFIG'");
      return [name, settings[name]];
    },
  } as unknown as Redis;
}

describe('checkRedisSettings', () => {
  it('no warning for AOF and noeviction', async () => {
    const report = await checkRedisSettings(
      fakeClient({ appendonly: 'yes', 'maxmemory-policy': 'noeviction' }),
    );
    expect(report).toEqual({ appendOnly: true, maxmemoryPolicy: 'noeviction', warnings: [] });
  });

  it('one warning per unsafe setting, naming the setting to use', async () => {
    const report = await checkRedisSettings(
      fakeClient({ appendonly: 'no', 'maxmemory-policy': 'allkeys-lru' }),
    );
    expect(report.appendOnly).toBe(false);
    expect(report.maxmemoryPolicy).toBe('allkeys-lru');
    expect(report.warnings).toHaveLength(2);
    expect(report.warnings[0]).toMatch(/without AOF.*appendonly yes/);
    expect(report.warnings[1]).toMatch(/allkeys-lru.*noeviction/);
  });

  it('says it could not read the settings when CONFIG GET is refused', async () => {
    const report = await checkRedisSettings(fakeClient('refused'));
    expect(report.appendOnly).toBeUndefined();
    expect(report.warnings).toEqual([
      expect.stringMatching(/Could not read Redis appendonly/),
      expect.stringMatching(/Could not read Redis maxmemory-policy/),
    ]);
  });

  it('the default reporter emits a BPK_REDIS_SETTINGS process warning once per text', async () => {
    const seen: Error[] = [];
    const onWarning = (warning: Error) => seen.push(warning);
    process.on('warning', onWarning);
    try {
      const text = `test warning ${Math.random()}`;
      emitRedisWarning(text);
      emitRedisWarning(text);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on next tick
      const ours = seen.filter((w) => w.message === text);
      expect(ours).toHaveLength(1);
      expect((ours[0] as Error & { code?: string }).code).toBe('BPK_REDIS_SETTINGS');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe.skipIf(!hasRedisServer)(
  'start-up warnings against a real Redis with unsafe settings',
  () => {
    let own: OwnRedis | undefined;
    afterEach(async () => {
      await own?.stop();
      own = undefined;
    });

    it('queueSource and queueSink warn about AOF off and an evicting policy', async () => {
      own = await startOwnRedis();
      const admin = new Redis(own.port, '127.0.0.1');
      await admin.config('SET', 'appendonly', 'no');
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await admin.quit();
      const connection = connectionOptions(own.url);

      const sourceWarnings: string[] = [];
      const queue = new Queue<{ n: number }>('jobs', { connection });
      await queue.add('t', { n: 1 });
      const jobs = queueSource<{ n: number }>('jobs', {
        connection,
        onRedisWarning: (w) => sourceWarnings.push(w),
      });
      const r = await jobs.next();
      if (!r.done) await r.value.complete();
      await jobs.close();

      const sinkWarnings: string[] = [];
      await queueSink(queue, {
        highWaterMark: 10,
        onRedisWarning: (w) => sinkWarnings.push(w),
      })([{ n: 2 }]);
      await queue.close();

      for (const warnings of [sourceWarnings, sinkWarnings]) {
        expect(warnings).toEqual([
          expect.stringMatching(/without AOF/),
          expect.stringMatching(/maxmemory-policy is allkeys-lru/),
        ]);
      }
    }, 30_000);
  },
);
