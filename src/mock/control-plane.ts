import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MockEngine } from './mock-engine.js';
import { readBody } from './read-body.js';
import type { MockSolverPatch } from './types.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
// Names a loopback client reaches the mock by; any other Host is a DNS-rebinding attempt.
const LOOPBACK_HOSTS = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * Why a control request is refused (status and message), or `undefined` when it may proceed.
 *
 * A web page the user has open can send requests to 127.0.0.1: a "simple" cross-origin POST
 * (`text/plain`, a form) goes out without a preflight, and DNS rebinding makes a page's own
 * host name resolve to 127.0.0.1. So the control plane takes only requests that no page can
 * forge without the browser's consent: a loopback `Host`, no foreign `Origin` (or
 * `Sec-Fetch-Site`), and a POST body declared `application/json` (a type that needs a
 * preflight, which the mock never grants: it sends no CORS headers here).
 */
export function refuseControl(
  req: IncomingMessage,
  selfOrigin: string,
): { status: number; error: string } | undefined {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return { status: 403, error: 'loopback only' };
  const host = req.headers.host ?? '';
  if (!LOOPBACK_HOSTS.test(host) && `http://${host}` !== selfOrigin) {
    return { status: 403, error: 'Host is not a loopback name' };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== selfOrigin) {
    return { status: 403, error: 'cross-origin requests are refused' };
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { status: 403, error: 'cross-site requests are refused' };
  }
  if (req.method === 'POST') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if (type !== 'application/json' && (type !== '' || hasBody)) {
      return { status: 415, error: 'send the body as application/json' };
    }
  }
  return undefined;
}

/**
 * The control plane under `/__mock/`, for a mock run in another process (the CLI): `GET state`
 * (the `state()` snapshot as JSON), `POST config` (a JSON patch for `configure()`, declared
 * `application/json`; 400 with the validation message when it is bad) and `POST reset`.
 * Loopback clients only, and never a browser page of another origin (see
 * {@link refuseControl}: 403, or 415 for a POST body that is not declared JSON).
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  engine: MockEngine,
  configure: (patch: MockSolverPatch) => void,
  selfOrigin: string,
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
  const refused = refuseControl(req, selfOrigin);
  if (refused) return reply(refused.status, { error: refused.error });
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
