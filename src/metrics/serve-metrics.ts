import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidOptionTypeError } from '../errors.js';
import * as validate from '../internal/validate.js';

/** What {@link serveMetrics} needs of a registry: a prom-client `Registry` fits. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** Options of {@link serveMetrics}. */
export interface ServeMetricsOptions {
  /** TCP port; `0` picks a free one (see the returned `port`). An integer from 0 to 65535. */
  port: number;
  /** Address to listen on. Only loopback by default: metrics describe your workload. @default '127.0.0.1' */
  host?: string | undefined;
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The scrape URL, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** The port it listens on (the one picked when `port` was 0). */
  readonly port: number;
  /** Stops listening, ends open connections and resolves when the server is closed. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves `registry.metrics()` over HTTP at `/metrics` with the registry's content type (text
 * format 0.0.4, or OpenMetrics when the registry is set to it), for Prometheus to scrape.
 * `GET` and `HEAD` only (405 otherwise); any other path is 404; a failing `metrics()` answers
 * 500 with the error's message.
 *
 * @throws TypeError / RangeError at once for a bad option; the promise rejects when the port
 * cannot be bound (for example `EADDRINUSE`).
 * @example
 * ```ts
 * const server = await serveMetrics(registry, { port: 9464 });
 * console.log(`metrics at ${server.url}`);
 * // … later
 * await server.close();
 * ```
 */
export async function serveMetrics(
  registry: MetricsSource,
  options: ServeMetricsOptions,
): Promise<MetricsServer> {
  if (typeof registry !== 'object' || registry === null || typeof registry.metrics !== 'function') {
    throw new InvalidOptionTypeError({
      option: 'registry',
      expected: 'a prom-client Registry',
      received: registry,
    });
  }
  const opts = validate.object<ServeMetricsOptions>('options', options);
  const port = validate.integer('port', opts.port, { min: 0, max: 65_535 });
  const host = validate.optional(opts.host, '127.0.0.1', (v) =>
    validate.string('host', v, { nonEmpty: true }),
  );
  const server = createServer((request, response) => {
    void answer(registry, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${bound}/metrics`,
    port: bound,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function answer(
  registry: MetricsSource,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path !== '/metrics') return reply(response, 404, 'Not found: metrics are at /metrics\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return reply(response, 405, 'Method not allowed\n');
  }
  try {
    const body = await registry.metrics();
    response.writeHead(200, { 'Content-Type': registry.contentType });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    reply(response, 500, `Collecting metrics failed: ${(error as Error)?.message ?? error}\n`);
  }
}

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
