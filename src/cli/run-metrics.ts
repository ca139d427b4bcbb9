/**
 * `solve --metrics-port N`: the run's stages as Prometheus metrics at
 * `http://127.0.0.1:N/metrics`, through `backpressure-kit/metrics` and prom-client (a regular
 * dependency of the package, so `npx backpressure-kit solve --metrics-port N` works from a plain
 * install; should it still be missing, from a broken install, the run stops at once and says so).
 */
import { registerPrometheusMetrics } from '../metrics/prometheus.js';
import { type MetricsServer, serveMetrics } from '../metrics/serve-metrics.js';
import type { StatsSources } from '../metrics/stats-source.js';
import { MetricsUnavailableError } from './metrics-unavailable-error.js';

/**
 * Registers `stages` in a fresh prom-client `Registry` and serves it on loopback `port`
 * (0 picks a free one). Closing the server also unregisters the metrics.
 *
 * @throws {MetricsUnavailableError} when prom-client cannot be loaded or the port is taken.
 * @example
 * ```ts
 * const server = await serveRunMetrics({ queue, solve, breaker: solve.breaker }, 9464);
 * console.log(server.url); // http://127.0.0.1:9464/metrics
 * ```
 */
export async function serveRunMetrics(stages: StatsSources, port: number): Promise<MetricsServer> {
  let client: typeof import('prom-client');
  try {
    client = await import('prom-client');
  } catch {
    throw new MetricsUnavailableError(
      '--metrics-port needs prom-client, a dependency of backpressure-kit that is missing: reinstall backpressure-kit (or npm install prom-client)',
    );
  }
  const registry = new client.Registry();
  const unregister = registerPrometheusMetrics(registry, stages);
  let server: MetricsServer;
  try {
    server = await serveMetrics(registry, { port, host: '127.0.0.1' });
  } catch (error) {
    unregister();
    throw new MetricsUnavailableError(
      `--metrics-port ${port}: cannot listen on 127.0.0.1:${port} (${(error as Error).message})`,
      error,
    );
  }
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      await server.close();
      unregister();
    },
  };
}
