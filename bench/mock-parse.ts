/**
 * Cost of reading a request body in the mock (`parseParams`) against its size: multipart
 * uploads of 256 KiB … 4 MiB in three shapes (one image file; many small fields; many parts
 * whose headers never end, the shape that made the old parser quadratic) and a JSON body.
 * Prints the median ms per run and the cost per MiB as a ratio to the 256 KiB case of the same
 * shape, measured in the same run: a linear parser keeps that ratio near 1 as the size grows.
 *
 *   node --expose-gc --import tsx bench/mock-parse.ts [--reps=7] [--quick]
 */
import { parseParams } from '../src/mock/request-params.js';
import { machineLine, median, numberFlag } from './harness.js';
import { GroupRecorder, sized } from './results.js';

const REPS = numberFlag('reps', sized(7, 1));
const BOUNDARY = '----bpkBench7MA4YWxkTrZu0gW';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;
const SIZES = [256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

function repeatTo(size: number, unit: string, head = '', tail = ''): Buffer {
  const count = Math.max(1, Math.floor((size - head.length - tail.length) / unit.length));
  return Buffer.from(head + unit.repeat(count) + tail, 'latin1');
}

const shapes: Record<string, { type: string; make: (size: number) => Buffer }> = {
  'multipart, one image file': {
    type: MULTIPART,
    make: (size) => {
      const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="method"\r\n\r\npost\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG`;
      // Bytes that look like the start of a delimiter, again and again.
      return repeatTo(size, '\r\n--', head, `\r\n--${BOUNDARY}--\r\n`);
    },
  },
  'multipart, many small fields': {
    type: MULTIPART,
    make: (size) =>
      repeatTo(
        size,
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n`,
        '',
        `--${BOUNDARY}--\r\n`,
      ),
  },
  'multipart, parts whose headers never end': {
    type: MULTIPART,
    make: (size) =>
      repeatTo(
        size,
        `--${BOUNDARY}\r\nX: y\r\nvalue\r\n`,
        '',
        `--${BOUNDARY}\r\n\r\n\r\n--${BOUNDARY}--\r\n`,
      ),
  },
  'JSON as text/plain (base64 image)': {
    type: 'text/plain',
    make: (size) => repeatTo(size, 'iVBORw0K', '{"method":"base64","body":"', '"}'),
  },
};

const gc = (globalThis as { gc?: () => void }).gc;
console.log(machineLine());
const recorder = new GroupRecorder('mock-parse', {
  title: "The mock's request parser against body size",
  about:
    'The cost of reading a request body in the mock (`parseParams`) against its size: multipart ' +
    'uploads of 256 KiB … 4 MiB in three shapes (one image file; many small fields; many parts ' +
    'whose headers never end, the shape that made an earlier parser quadratic) and a JSON body. ' +
    'The ratio is the cost per MiB against the 256 KiB case of the same shape, measured in the ' +
    'same run: a linear parser keeps it near 1 as the size grows.',
  command: `node --expose-gc --import tsx bench/mock-parse.ts --reps=${REPS}`,
});
const rows: string[][] = [];
for (const [name, shape] of Object.entries(shapes)) {
  let base: number | undefined;
  for (const size of SIZES) {
    const body = shape.make(size);
    const samples: number[] = [];
    let fields = 0;
    for (let rep = 0; rep <= REPS; rep++) {
      gc?.();
      const started = performance.now();
      const parsed = parseParams('', shape.type, body);
      const elapsed = performance.now() - started;
      fields += Object.keys(parsed.fields).length + (parsed.file ? 1 : 0);
      if (rep > 0) samples.push(elapsed); // the first run is a warm-up
    }
    // Parts whose headers never end carry no field: there, nothing to read is the right result.
    if (fields === 0 && !name.includes('never end')) throw new Error(`${name}: nothing parsed`);
    const ms = median(samples);
    const perMiB = ms / (body.length / (1024 * 1024));
    base ??= perMiB;
    rows.push([
      name,
      `${(body.length / 1024).toFixed(0)} KiB`,
      ms.toFixed(2),
      perMiB.toFixed(2),
      (perMiB / base).toFixed(2),
    ]);
  }
}
recorder.table({
  title: `Parse time, median of ${REPS} reps`,
  columns: ['shape', 'size', 'ms', 'ms per MiB', 'x 256 KiB per MiB'],
  rows,
});
recorder.save();
