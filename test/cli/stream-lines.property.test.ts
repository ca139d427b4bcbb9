/**
 * StreamLines: the same lines as `readline` (crlfDelay: Infinity) whatever the chunking, and a
 * stop or a stream error ends the lines.
 */
import { createInterface } from 'node:readline';
import { PassThrough, Readable } from 'node:stream';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { StreamLines } from '../../src/cli/stream-lines.js';

/** Bytes rich in line breaks and multi-byte characters, cut into chunks anywhere. */
const piece = fc.constantFrom('a', '{"id":1}', '\n', '\r', '\r\n', 'é', '€', '😀', ' ', '');
const input = fc
  .array(piece, { maxLength: 40 })
  .map((pieces) => Buffer.from(pieces.join('')))
  .chain((bytes) =>
    fc
      .uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 8 })
      .map((cuts) => ({ bytes, cuts: cuts.filter((c) => c < bytes.length).sort((a, b) => a - b) })),
  );

function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const edges = [0, ...cuts, bytes.length];
  return edges.slice(1).map((end, i) => bytes.subarray(edges[i], end));
}

async function viaReadline(chunks: Buffer[]): Promise<string[]> {
  const lines: string[] = [];
  const rl = createInterface({ input: Readable.from(chunks), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) lines.push(line);
  return lines;
}

async function viaStreamLines(stream: Readable): Promise<string[]> {
  const lines: string[] = [];
  const reader = new StreamLines(stream);
  for (let text = await reader.next(); text !== undefined; text = await reader.next())
    lines.push(text);
  return lines;
}

describe('StreamLines', () => {
  test.prop([input])(
    'gives the lines readline gives, however the bytes are chunked',
    async ({ bytes, cuts }) => {
      const chunks = chunked(bytes, cuts);
      expect(await viaStreamLines(Readable.from(chunks))).toEqual(await viaReadline(chunks));
    },
  );

  it('takes string chunks, and a last line without a line break', async () => {
    expect(await viaStreamLines(Readable.from(['a\nb', 'c\r\n', '\nd']))).toEqual([
      'a',
      'bc',
      '',
      'd',
    ]);
  });

  it('joins a line that spans many chunks, and the line after it', async () => {
    const piece = 'x'.repeat(1_000);
    const chunks = [...Array.from({ length: 500 }, () => piece), '\r', '\nnext\n'];
    expect(await viaStreamLines(Readable.from(chunks))).toEqual([piece.repeat(500), 'next']);
  });

  it('stop() ends a pending next() with undefined and removes its listeners', async () => {
    const stream = new PassThrough();
    const reader = new StreamLines(stream);
    stream.write('first\nsec');
    expect(await reader.next()).toBe('first');
    const pending = reader.next();
    reader.stop();
    expect(await pending).toBeUndefined();
    expect(await reader.next()).toBeUndefined();
    expect(stream.listenerCount('readable')).toBe(0);
    expect(stream.listenerCount('error')).toBe(0);
  });

  it("rejects with the stream's error", async () => {
    const stream = new PassThrough();
    const reader = new StreamLines(stream);
    stream.write('one\n');
    expect(await reader.next()).toBe('one');
    const pending = reader.next();
    const failure = new Error('disk gone');
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.destroy(failure);
    await expect(pending).rejects.toBe(failure);
    await closed;
    expect(stream.listenerCount('end')).toBe(0);
  });
});
