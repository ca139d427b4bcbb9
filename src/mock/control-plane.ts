import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MockEngine } from './mock-engine.js';
import { readBody } from './read-body.js';
import type { MockSolverPatch } from './types.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The control plane under `/__mock/`, for a mock run in another process (the CLI): `GET state`
 * (the `state()` snapshot as JSON), `POST config` (a JSON patch for `configure()`; 400 with the
 * validation message when it is bad) and `POST reset`. Loopback clients only (403 otherwise).
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  engine: MockEngine,
  configure: (patch: MockSolverPatch) => void,
): Promise<void> {
  engine.recorder.route('control');
  const reply = (status: number, body?: unknown): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return reply(403, { error: 'loopback only' });
  if (path === '/__mock/state' && req.method === 'GET') return reply(200, engine.snapshot());
  if (path === '/__mock/reset' && req.method === 'POST') {
    engine.reset();
    return reply(204);
  }
  if (path === '/__mock/config' && req.method === 'POST') {
    const body = await readBody(req, 1024 * 1024);
    if (!Buffer.isBuffer(body)) return reply(413, { error: 'body too large' });
    try {
      configure(JSON.parse(body.toString('utf8') || '{}') as MockSolverPatch);
    } catch (error) {
      return reply(400, { error: (error as Error).message });
    }
    return reply(204);
  }
  return reply(404, { error: 'unknown control route' });
}
