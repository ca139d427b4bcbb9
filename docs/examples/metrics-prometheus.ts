import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { boundedBuffer, circuitBreaker, shed } from 'backpressure-kit';
import { registerPrometheusMetrics, serveMetrics } from 'backpressure-kit/metrics';
import { Registry } from 'prom-client';

const queue = shed<{ id: number; priority: number }>({
  capacity: 10,
  priority: (task) => task.priority,
});
const buffer = boundedBuffer<{ id: number; priority: number }>(5);
const breaker = circuitBreaker({ failureThreshold: 3, resetTimeout: 1_000 });

// Publish the stages' stats in a registry (your app's, or a new one) and serve /metrics.
const registry = new Registry();
const dispose = registerPrometheusMetrics(
  registry,
  { queue, buffer, breaker },
  { labels: { service: 'scraper' } },
);
const server = await serveMetrics(registry, { port: 0 }); // 0: any free port; 9464 is usual

async function* scrape() {
  for (let id = 0; id < 100; id++) yield { id, priority: id % 5 };
}
for await (const _task of buffer(queue(scrape()))) {
  await breaker.execute(() => sleep(1)); // the slow, guarded call
}

// What Prometheus sees when it scrapes the endpoint (drop counts vary from run to run):
const text = await (await fetch(server.url)).text();
console.log(
  text
    .split('\n')
    .filter((line) =>
      /^bpk_(dropped_total|depth|breaker_state)\{stage="(queue|breaker)"/.test(line),
    )
    .join('\n'),
);
// bpk_depth{stage="queue",service="scraper"} 0
// bpk_breaker_state{stage="breaker",state="closed",service="scraper"} 1
// bpk_breaker_state{stage="breaker",state="open",service="scraper"} 0
// …
// bpk_dropped_total{stage="queue",reason="full",service="scraper"} 70
// bpk_dropped_total{stage="queue",reason="evicted",service="scraper"} 14

// The scrape and stats() agree: every drop the stage counted is in the metrics.
const scraped = [...text.matchAll(/^bpk_dropped_total\{stage="queue",[^}]*\} (\d+)$/gm)];
const total = scraped.reduce((sum, [, value]) => sum + Number(value), 0);
assert.equal(total, queue.stats().dropped);
assert.match(text, /^bpk_depth\{stage="queue",service="scraper"\} 0$/m);
assert.match(text, /^bpk_breaker_state\{stage="breaker",state="closed",service="scraper"\} 1$/m);
assert.match(text, /^bpk_breaker_state\{stage="breaker",state="open",service="scraper"\} 0$/m);

await server.close();
dispose();
