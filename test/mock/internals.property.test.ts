import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { FaultPicker } from '../../src/mock/fault-picker.js';
import { resolveLatency, sampleLatency } from '../../src/mock/latency.js';
import { MinHeap } from '../../src/mock/min-heap.js';
import { createRandom } from '../../src/mock/random.js';
import { parseParams } from '../../src/mock/request-params.js';
import type { ResolvedFault } from '../../src/mock/resolve-options.js';

describe('MinHeap', () => {
  test.prop([fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 200 })])(
    'pops in priority order, every item exactly once',
    (values) => {
      const heap = new MinHeap<number>();
      for (const [i, v] of values.entries()) heap.push(i, v);
      const popped: number[] = [];
      while (heap.size > 0) popped.push(values[heap.pop()!]!);
      expect(popped).toEqual([...values].sort((a, b) => a - b));
      expect(heap.pop()).toBeUndefined();
      expect(heap.peekPriority()).toBe(Number.POSITIVE_INFINITY);
    },
  );
});

describe('createRandom', () => {
  test.prop([fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.string()])(
    'is reproducible and stays in [0, 1)',
    (seed, label) => {
      const a = createRandom(seed, label);
      const b = createRandom(seed, label);
      for (let i = 0; i < 50; i++) {
        const x = a();
        expect(x).toBe(b());
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(1);
      }
    },
  );
});

describe('latency', () => {
  test.prop(
    [
      fc.integer({ min: 1, max: 100_000 }),
      fc.double({ min: 1, max: 5, noNaN: true }),
      fc.integer({ min: 0, max: 1_000 }),
      // Statistical bounds are about 5 sd wide; a fixed seed keeps the run deterministic.
    ],
    { seed: 20261127 },
  )('lognormal samples stay within [0, max] and centre on the median', (median, spread, seed) => {
    const p95 = median * spread;
    const distribution = resolveLatency('latency', { distribution: 'lognormal', median, p95 });
    const random = createRandom(seed, 'latency');
    const samples = Array.from({ length: 2_001 }, () => sampleLatency(distribution, random));
    const sorted = samples.sort((a, b) => a - b);
    expect(sorted[0]).toBeGreaterThanOrEqual(0);
    expect(sorted[2_000]).toBeLessThanOrEqual(4 * p95);
    // The sample median of 2001 draws is within a few percent of the true median.
    expect(sorted[1_000]! / median).toBeGreaterThan(spread === 1 ? 0.999 : 0.85);
    expect(sorted[1_000]! / median).toBeLessThan(spread === 1 ? 1.001 : 1.15);
    // About 5% above p95 (binomial sd about 0.5%).
    const above = samples.filter((s) => s > p95).length / samples.length;
    if (spread > 1.05) expect(above).toBeLessThan(0.08);
  });

  test.prop([fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 })])(
    'uniform samples stay within [min, max]',
    (a, b) => {
      const [min, max] = a <= b ? [a, b] : [b, a];
      const distribution = resolveLatency('l', { distribution: 'uniform', min, max });
      const random = createRandom(a, 'u');
      for (let i = 0; i < 100; i++) {
        const s = sampleLatency(distribution, random);
        expect(s).toBeGreaterThanOrEqual(min);
        expect(s).toBeLessThanOrEqual(max);
      }
    },
  );
});

const fieldName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,11}$/);
const fields = fc.dictionary(fieldName, fc.string({ maxLength: 60 }), { maxKeys: 8 });

describe('parseParams', () => {
  test.prop([fields, fields])('reads urlencoded bodies merged over the query', (query, body) => {
    const parsed = parseParams(
      new URLSearchParams(query).toString(),
      'application/x-www-form-urlencoded',
      Buffer.from(new URLSearchParams(body).toString()),
    );
    expect({ ...parsed.fields }).toEqual({ ...query, ...body });
  });

  test.prop([fields])('reads JSON bodies, stringifying numbers', (body) => {
    const parsed = parseParams(
      '',
      'application/json',
      Buffer.from(JSON.stringify({ ...body, n: 1 })),
    );
    expect({ ...parsed.fields }).toEqual({ ...body, n: '1' });
  });

  test.prop([fields, fc.uint8Array({ minLength: 0, maxLength: 300 })])(
    'reads multipart bodies as a browser or undici sends them, binary files intact',
    async (body, file) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(body)) form.append(name, value);
      form.append('file', new Blob([file]), 'captcha.png');
      const request = new Request('http://x/', { method: 'POST', body: form });
      const bytes = Buffer.from(await request.arrayBuffer());
      const parsed = parseParams('', request.headers.get('content-type')!, bytes);
      const { file: fileName, ...rest } = { ...parsed.fields };
      // FormData normalises line breaks in field values to CRLF.
      const expected = Object.fromEntries(
        Object.entries(body).map(([k, v]) => [k, v.replace(/\r\n|\r|\n/g, '\r\n')]),
      );
      expect(rest).toEqual(
        Object.fromEntries(Object.entries(expected).filter(([k]) => k !== 'file')),
      );
      expect(fileName).toBe('captcha.png');
      expect(Buffer.compare(parsed.file!, Buffer.from(file))).toBe(0);
    },
  );

  test.prop([fc.string({ maxLength: 200 }), fc.string({ maxLength: 40 })])(
    'never throws on garbage',
    (text, type) => {
      expect(() => parseParams(text, type, Buffer.from(text))).not.toThrow();
      expect(() =>
        parseParams('', `multipart/form-data; boundary=${text.slice(0, 5)}`, Buffer.from(text)),
      ).not.toThrow();
    },
  );
});

const fault = (rate: number, extra: Partial<ResolvedFault> = {}): ResolvedFault => ({
  kind: 'hang',
  status: 502,
  delay: 0,
  code: 'E',
  retryAfter: 5,
  rate,
  route: 'any',
  action: undefined,
  key: undefined,
  times: Number.POSITIVE_INFINITY,
  ...extra,
});

describe('FaultPicker', () => {
  test.prop(
    [
      fc
        .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 })
        .map((rates) => {
          const sum = rates.reduce((a, b) => a + b, 0);
          return sum > 1 ? rates.map((r) => r / sum) : rates;
        }),
      fc.integer({ min: 0, max: 1000 }),
    ],
    { seed: 20261127 },
  )('fires each fault at its rate (one draw per request)', (rates, seed) => {
    const faults = rates.map((r) => fault(r));
    const picker = new FaultPicker(faults, createRandom(seed, 'fault'));
    const counts = new Map<ResolvedFault | undefined, number>();
    const n = 4_000;
    for (let i = 0; i < n; i++) {
      const picked = picker.pick('in', undefined, 'k');
      counts.set(picked, (counts.get(picked) ?? 0) + 1);
    }
    faults.forEach((f) => {
      // sd of a binomial proportion over 4000 draws is at most 0.8%.
      expect(Math.abs((counts.get(f) ?? 0) / n - f.rate)).toBeLessThan(0.04);
    });
  });

  test.prop([fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 100 })])(
    'a fault with `times` fires at most that often; filters are respected',
    (times, seed) => {
      const picker = new FaultPicker(
        [fault(1, { times, route: 'res', action: 'get' }), fault(1, { key: 'other' })],
        createRandom(seed, 'fault'),
      );
      let fired = 0;
      for (let i = 0; i < 50; i++) if (picker.pick('res', 'get', 'k')) fired++;
      expect(fired).toBe(times);
      expect(picker.pick('in', undefined, 'k')).toBeUndefined();
      expect(picker.pick('res', 'getbalance', 'k')).toBeUndefined();
      expect(picker.pick('in', undefined, 'other')?.key).toBe('other');
    },
  );
});
