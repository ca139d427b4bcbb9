import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { startFakeServer, text } from '../solver/fake-server.js';
import { closeCheckingConnections } from './connections.js';

describe('closeCheckingConnections: a per-object leak check', () => {
  it('passes when the client closed its connections before the server closes', async () => {
    const server = await startFakeServer((_, res) => text(res, 'ok'));
    const pool = new Pool(server.url);
    await (await pool.request({ path: '/', method: 'GET' })).body.text();
    expect(server.connections).toBe(1);
    await closeCheckingConnections([pool, server]);
    expect(server.connections).toBe(0);
  });

  it('fails when a client left a keep-alive connection open', async () => {
    const server = await startFakeServer((_, res) => text(res, 'ok'));
    const pool = new Pool(server.url);
    await (await pool.request({ path: '/', method: 'GET' })).body.text();
    await expect(closeCheckingConnections([server], 20)).rejects.toThrow(
      /1 connection\(s\) still open/,
    );
    await pool.destroy();
  });
});
