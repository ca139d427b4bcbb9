/**
 * A redis-server of the test's own, for tests that kill and restart Redis: on a free loopback
 * port (Redis cannot listen on port 0, so a socket binds port 0 first and releases it), with a
 * throwaway data directory, AOF on and noeviction, as a fleet's Redis must run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** True when a redis-server binary is on the PATH. */
export const hasRedisServer: boolean =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: no shutdown, no final save; what AOF holds is what comes back. */
  kill(): Promise<void>;
  /** Starts again on the same port and data directory (the AOF is replayed). */
  restart(): Promise<void>;
  /** True while the server process runs. */
  readonly running: boolean;
  /** Stops and removes the data directory. */
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'bpk-own-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const process = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    child = process;
    // Ready when it answers PING (a client that retries quickly until then).
    const probe = new Redis({
      host: '127.0.0.1',
      port,
      retryStrategy: () => 20,
      lazyConnect: true,
    });
    probe.on('error', () => {});
    try {
      await probe.connect().catch(() => {});
      await probe.ping();
    } finally {
      probe.disconnect();
    }
  };
  const exit = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => exit('SIGKILL'),
    restart: launch,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async stop() {
      await exit('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
