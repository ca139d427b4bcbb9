import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseParams } from '../../src/mock/request-params.js';

/**
 * Counts the bytes the multipart parser's searches examine (every search is a
 * `Buffer#indexOf`), so the cost of parsing is measured as work, never as time.
 */
function scannedBytes(run: () => void): number {
  let scanned = 0;
  const original = Buffer.prototype.indexOf;
  const spy = vi.spyOn(Buffer.prototype, 'indexOf').mockImplementation(function (
    this: Buffer,
    value: unknown,
    from?: unknown,
    enc?: unknown,
  ) {
    const found = original.call(this, value as string, from as number, enc as BufferEncoding);
    const start =
      typeof from === 'number' ? (from < 0 ? Math.max(0, this.length + from) : from) : 0;
    const needle = typeof value === 'number' ? 1 : Buffer.byteLength(value as string | Buffer);
    scanned += found === -1 ? Math.max(0, this.length - start) : found - start + needle;
    return found;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return scanned;
}

const BOUNDARY = 'XyZzy';
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** Bodies that made the old parser search to the end of the body once per part. */
const shapes: Record<string, (parts: number) => Buffer> = {
  'parts without a blank line after their headers': (parts) => {
    let s = '';
    for (let i = 0; i < parts; i++) s += `--${BOUNDARY}\r\nX: y\r\nvalue\r\n`;
    return Buffer.from(`${s}--${BOUNDARY}\r\n\r\n\r\n--${BOUNDARY}--\r\n`);
  },
  'parts with LF line ends': (parts) => {
    let s = '';
    for (let i = 0; i < parts; i++)
      s += `--${BOUNDARY}\nContent-Disposition: form-data; name="f${i}"\n\nv\n`;
    return Buffer.from(`${s}--${BOUNDARY}--\n`);
  },
  'well-formed fields': (parts) => {
    let s = '';
    for (let i = 0; i < parts; i++)
      s += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`;
    return Buffer.from(`${s}--${BOUNDARY}--\r\n`);
  },
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('multipart parsing is linear in the body size', () => {
  for (const [name, make] of Object.entries(shapes)) {
    it(`${name}: at most a few scans of each byte, at every size`, () => {
      for (const parts of [100, 1_000, 10_000]) {
        const body = make(parts);
        const scanned = scannedBytes(() => parseParams('', TYPE, body));
        // Each byte is examined a small constant number of times (delimiter search, header
        // search within its part); quadratic parsing examined about parts/2 times as many.
        expect(scanned, `${parts} parts, ${body.length} bytes`).toBeLessThanOrEqual(
          3 * body.length,
        );
      }
    });
  }

  it('still reads every field and the file of a well-formed body', () => {
    const body = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="method"\r\n\r\npost\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\r\nrest\r\n` +
        `--${BOUNDARY}--\r\n`,
      'latin1',
    );
    const parsed = parseParams('', TYPE, body);
    expect({ ...parsed.fields }).toEqual({ method: 'post', file: 'a.png' });
    expect(parsed.file?.toString('latin1')).toBe('\x89PNG\r\n\r\nrest');
  });

  it('ignores a boundary longer than RFC 2046 allows (71+ characters)', () => {
    const long = 'b'.repeat(71);
    const body = Buffer.from(
      `--${long}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${long}--\r\n`,
    );
    expect({ ...parseParams('', `multipart/form-data; boundary=${long}`, body).fields }).toEqual(
      {},
    );
  });

  it('property: the work stays within 3 bytes scanned per body byte for any part layout', () => {
    const piece = fc.constantFrom(
      `--${BOUNDARY}\r\n`,
      `--${BOUNDARY}\n`,
      'Content-Disposition: form-data; name="a"\r\n',
      '\r\n',
      '\r\n\r\n',
      'value',
      '-',
      `--${BOUNDARY}--`,
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 400 }), (pieces) => {
        const body = Buffer.from(pieces.join(''));
        const scanned = scannedBytes(() => parseParams('', TYPE, body));
        expect(scanned).toBeLessThanOrEqual(3 * body.length + 64);
      }),
    );
  });
});
