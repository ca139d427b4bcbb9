import { InvalidOptionTypeError, InvalidOptionValueError, shed } from 'backpressure-kit';
import { registerPrometheusMetrics, serveMetrics } from 'backpressure-kit/metrics';
import { type OpenMetricsContentType, Registry } from 'prom-client';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from './parse-exposition.js';

describe('serveMetrics', () => {
  it('serves the registry at /metrics on 127.0.0.1 with its content type, then closes', async () => {
    const drop = shed<number>(2);
    for await (const _ of drop([1, 2, 3, 4, 5])) break;
    const registry = new Registry();
    registerPrometheusMetrics(registry, { drop }, { labels: { service: 'scraper' } });
    const server = await serveMetrics(registry, { port: 0 });
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);

      const response = await request(server.url);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe(registry.contentType);
      const families = parseExposition(await response.body.text());
      const stats = drop.stats();
      expect(
        sampleValue(families, 'bpk_received_total', { stage: 'drop', service: 'scraper' }),
      ).toBe(stats.received);
      expect(
        sampleValue(families, 'bpk_dropped_total', { stage: 'drop', reason: 'discarded' }),
      ).toBe(stats.droppedByReason.discarded);

      const head = await request(server.url, { method: 'HEAD' });
      expect(head.statusCode).toBe(200);
      expect(await head.body.text()).toBe('');

      const notFound = await request(`http://127.0.0.1:${server.port}/other`);
      expect(notFound.statusCode).toBe(404);
      await notFound.body.dump();

      const post = await request(server.url, { method: 'POST', body: 'x' });
      expect(post.statusCode).toBe(405);
      expect(post.headers.allow).toBe('GET, HEAD');
      await post.body.dump();
    } finally {
      await server.close();
    }
    await server.close(); // idempotent
    // A fresh connection (not one pooled from before the close) is refused.
    const fresh = new Agent();
    await expect(request(server.url, { dispatcher: fresh })).rejects.toThrow(/ECONNREFUSED/);
    await fresh.close();
  });

  it('answers 500 with the message when collecting fails', async () => {
    const registry = {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      metrics: () => Promise.reject(new Error('collector down')),
    };
    const server = await serveMetrics(registry, { port: 0 });
    try {
      const response = await request(server.url);
      expect(response.statusCode).toBe(500);
      expect(await response.body.text()).toContain('collector down');
    } finally {
      await server.close();
    }
  });

  it('serves OpenMetrics when the registry is set to it', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    registerPrometheusMetrics(registry, { s: shed<number>(2) });
    const server = await serveMetrics(registry, { port: 0, host: 'localhost' });
    try {
      expect(server.url).toBe(`http://localhost:${server.port}/metrics`);
      const response = await request(server.url);
      expect(response.headers['content-type']).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
      expect(await response.body.text()).toMatch(/# EOF\n$/);
    } finally {
      await server.close();
    }
  });

  it('rejects when the port is taken', async () => {
    const registry = new Registry();
    const first = await serveMetrics(registry, { port: 0 });
    try {
      await expect(serveMetrics(registry, { port: first.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it('refuses bad arguments at call time with typed errors', async () => {
    const registry = new Registry();
    await expect(serveMetrics({} as Registry, { port: 0 })).rejects.toThrow(InvalidOptionTypeError);
    await expect(serveMetrics(registry, { port: -1 })).rejects.toThrow(InvalidOptionValueError);
    await expect(serveMetrics(registry, { port: 70_000 })).rejects.toThrow(/`port`/);
    await expect(serveMetrics(registry, { port: 1.5 })).rejects.toThrow(InvalidOptionValueError);
    await expect(serveMetrics(registry, { port: '9464' as never })).rejects.toThrow(
      InvalidOptionTypeError,
    );
    await expect(serveMetrics(registry, { port: 0, host: '' })).rejects.toThrow(/`host`/);
    await expect(serveMetrics(registry, undefined as never)).rejects.toThrow(/`options`/);
  });
});
