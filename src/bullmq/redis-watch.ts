import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RedisUnavailableError } from './redis-unavailable-error.js';

/**
 * Watches one ioredis client: while it is not ready (closed, reconnecting), a timer runs; if
 * the client is still not ready after `timeout` ms, `onGone` is called once with a
 * {@link RedisUnavailableError}. ioredis reconnects by itself meanwhile. Returns a disposer.
 */
export function watchRedis(
  client: Redis,
  timeout: number,
  onGone: (error: RedisUnavailableError) => void,
): () => void {
  let downSince: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastError: unknown;
  const down = (): void => {
    if (downSince !== undefined) return;
    downSince = Date.now();
    if (Number.isFinite(timeout)) {
      timer = setTimeout(() => {
        timer = undefined;
        onGone(new RedisUnavailableError(Date.now() - (downSince ?? Date.now()), lastError));
      }, timeout);
    }
  };
  const up = (): void => {
    downSince = undefined;
    lastError = undefined;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const error = (e: unknown): void => {
    lastError = e;
  };
  client.on('close', down);
  client.on('reconnecting', down);
  client.on('ready', up);
  client.on('error', error);
  if (client.status !== 'ready' && client.status !== 'connecting' && client.status !== 'connect')
    down();
  return () => {
    up();
    client.off('close', down);
    client.off('reconnecting', down);
    client.off('ready', up);
    client.off('error', error);
  };
}

/**
 * Drops a BullMQ queue's connection without QUIT (which, with Redis gone, would wait for it
 * forever); a later `queue.close()` then returns at once. BullMQ's own `disconnect()` waits
 * for an `end` event a reconnecting client may never emit.
 */
export async function dropConnection(queue: Pick<Queue, 'getBackend'>): Promise<void> {
  const client = (await queue.getBackend().client) as unknown as Redis;
  client.disconnect();
}
