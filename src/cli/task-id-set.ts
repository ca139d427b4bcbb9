/**
 * The set of task ids `backpressure-kit solve` keeps for a whole run (to refuse duplicate ids
 * and to skip what the results file already holds), in memory that does not depend on the ids'
 * length: a hash table of 5 bytes a slot (a place and a one-byte tag) in memory, and the ids'
 * bytes in memory up to `keysInMemory` (1 MiB), then in an unlinked temporary file. A million
 * ids cost under 10 MB of memory here against about 45 MB in a `Set<string | number>`, and no
 * object each. Membership is exact: ids are compared byte for byte, never by hash alone (a tag
 * match reads the stored id back, from memory or with one read of the file).
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskId } from './solve-record.js';

// Ids are kept one after another in fixed-size chunks: a varint length, then the key bytes.
// A key never spans two chunks, so an id's place is one number: chunk * CHUNK_BYTES + offset.
// A chunk past `keysInMemory` goes to the file (at its place) when it is full.
const CHUNK_BITS = 16;
const CHUNK_BYTES = 1 << CHUNK_BITS;
// Ids longer than this (in key bytes) go to an ordinary Set: rare, and they would waste chunks.
const MAX_KEY_BYTES = 4_096;
// The longest stored entry: a two-byte length and the key.
const MAX_ENTRY_BYTES = MAX_KEY_BYTES + 2;
// The table's slots hold a place + 1 in a Uint32Array: places must stay below 2^32 - 1.
const MAX_PLACE = 2 ** 32 - 2;
const DEFAULT_KEYS_IN_MEMORY = 1 << 20;
// The table grows in place (resizable buffers: no old and new table side by side at a growth),
// by half each time, up to MAX_SLOTS (about 200 million ids at the largest).
const MIN_SLOTS = 1_024;
const MAX_SLOTS = 2 ** 28;
const MAX_LOAD = 0.8;
const GROWTH = 1.5;

// The key's first byte says what the rest is, so `1` and `"1"` stay distinct.
const NUMBER = 0;
const LATIN1 = 1;
const UTF16 = 2;

/** What the input reader needs of a set of ids: a `Set<TaskId>` or a {@link TaskIdSet}. */
export interface TaskIdLookup {
  has(id: TaskId): boolean;
}

/** A {@link TaskIdLookup} that ids can be added to. */
export interface TaskIdCollection extends TaskIdLookup {
  add(id: TaskId): unknown;
}

/** Options of a {@link TaskIdSet}. */
export interface TaskIdSetOptions {
  /**
   * Bytes of stored ids kept in memory; past it, the ids' bytes go to a temporary file (created
   * in `os.tmpdir()` and unlinked at once, so nothing is left behind, even after `kill -9`;
   * on Windows, where an open file cannot be deleted, it is deleted by `close()`).
   * When the file cannot be created, they stay in memory.
   * @default 1048576 (1 MiB: about 100,000 short ids)
   */
  readonly keysInMemory?: number;
}

// ES2024's resizable ArrayBuffer (Node 20 has it; the project's lib is ES2023).
interface ResizableBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}
const ResizableArrayBuffer = ArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => ResizableBuffer;

// Closes the file of a set dropped without close().
const files = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {}
});

/**
 * A `Set` of task ids (strings and numbers, with `Set`'s equality: `0` and `-0` are one id)
 * in compact storage. Iterates in insertion order, like `Set`. Nothing is ever deleted.
 * {@link TaskIdSet.close} releases the temporary file of a large set.
 *
 * @throws {RangeError} from `add` past about 4 GiB of stored ids or 200 million ids.
 * @example
 * ```ts
 * const ids = new TaskIdSet();
 * ids.add('t1').add(2);
 * ids.has('t1'); // true
 * ids.has('2'); // false: the number 2 is not the string "2"
 * [...ids]; // ['t1', 2]
 * ids.close();
 * ```
 */
export class TaskIdSet implements Iterable<TaskId> {
  /** Chunks of keys; `undefined` for those written to the file. */
  readonly #chunks: (Uint8Array | undefined)[] = [];
  /** Bytes used in the last chunk. */
  #used = CHUNK_BYTES;
  readonly #keepChunks: number;
  /** The file the chunks past #keepChunks go to; -1 before, -2 when it cannot be made. */
  #fd = -1;
  #unlinkAtClose: string | undefined;
  readonly #slotBuffer = new ResizableArrayBuffer(MIN_SLOTS * 4, { maxByteLength: MAX_SLOTS * 4 });
  readonly #tagBuffer = new ResizableArrayBuffer(MIN_SLOTS, { maxByteLength: MAX_SLOTS });
  /** Place + 1 of the key in each slot, 0 when empty (length-tracking views). */
  readonly #slots = new Uint32Array(this.#slotBuffer);
  /** The hash's top byte of the key in each slot: most probes end without reading a key. */
  readonly #tags = new Uint8Array(this.#tagBuffer);
  #size = 0;
  /** The key of the id in hand (encoded by {@link TaskIdSet.#encode}). */
  readonly #key = new Uint8Array(MAX_KEY_BYTES);
  #keyLength = 0;
  /** A stored entry read back from the file. */
  readonly #read = new Uint8Array(MAX_ENTRY_BYTES);
  /** Ids whose key is longer than MAX_KEY_BYTES, in insertion order. */
  readonly #long = new Set<TaskId>();

  /** Creates a set holding `ids`. */
  constructor(ids: Iterable<TaskId> = [], options: TaskIdSetOptions = {}) {
    const keysInMemory = options.keysInMemory ?? DEFAULT_KEYS_IN_MEMORY;
    if (!(keysInMemory >= 0)) throw new RangeError('TaskIdSet: keysInMemory must be >= 0');
    this.#keepChunks = Math.ceil(keysInMemory / CHUNK_BYTES);
    for (const id of ids) this.add(id);
  }

  /** Number of ids held. */
  get size(): number {
    return this.#size + this.#long.size;
  }

  /**
   * Bytes of memory the set holds outside the JavaScript heap: its table and the chunks of ids
   * kept in memory (ids with very long keys, in a plain `Set`, are on the heap). What
   * `process.memoryUsage().arrayBuffers` would report, had it counted resizable buffers.
   */
  get memoryBytes(): number {
    let bytes = this.#slotBuffer.byteLength + this.#tagBuffer.byteLength + this.#read.byteLength;
    bytes += this.#key.byteLength;
    for (const chunk of this.#chunks) bytes += chunk?.byteLength ?? 0;
    return bytes;
  }

  /** Whether `id` is in the set. */
  has(id: TaskId): boolean {
    if (!this.#encode(id)) return this.#long.has(id);
    return this.#slots[this.#find(this.#hashKey())] !== 0;
  }

  /** Adds `id` (no change when it is already there); returns the set. */
  add(id: TaskId): this {
    if (!this.#encode(id)) {
      this.#long.add(id);
      return this;
    }
    const hashed = this.#hashKey();
    const slot = this.#find(hashed);
    if (this.#slots[slot] !== 0) return this;
    if (this.#size + 1 > this.#slots.length * MAX_LOAD) {
      this.#grow();
      this.#place(hashed, this.#store());
    } else {
      this.#slots[slot] = this.#store() + 1;
      this.#tags[slot] = hashed >>> 24;
    }
    this.#size++;
    return this;
  }

  /** The ids in insertion order (ids with very long keys come last). */
  *[Symbol.iterator](): IterableIterator<TaskId> {
    for (const { bytes, start, length } of this.#entries()) yield decode(bytes, start, length);
    yield* this.#long;
  }

  /**
   * Closes and so deletes the temporary file, if the set made one. Idempotent. A set that made
   * a file must not be used after: `has` and `add` then throw.
   */
  close(): void {
    if (this.#fd < 0) {
      this.#fd = -2; // from now on the ids stay in memory
      return;
    }
    files.unregister(this);
    closeSync(this.#fd);
    this.#fd = -2;
    if (this.#unlinkAtClose !== undefined) {
      try {
        unlinkSync(this.#unlinkAtClose);
      } catch {}
    }
  }

  /** Encodes `id` into the key buffer; false when the key would be too long. */
  #encode(id: TaskId): boolean {
    const key = this.#key;
    const text = typeof id === 'number' ? String(id) : id;
    if (text.length >= MAX_KEY_BYTES) return false;
    let wide = false;
    for (let i = 0; i < text.length && !wide; i++) wide = text.charCodeAt(i) > 0xff;
    const length = 1 + (wide ? 2 : 1) * text.length;
    if (length > MAX_KEY_BYTES) return false;
    key[0] = typeof id === 'number' ? NUMBER : wide ? UTF16 : LATIN1;
    if (wide) {
      for (let i = 0; i < text.length; i++) {
        const unit = text.charCodeAt(i);
        key[1 + 2 * i] = unit & 0xff;
        key[2 + 2 * i] = unit >>> 8;
      }
    } else {
      for (let i = 0; i < text.length; i++) key[1 + i] = text.charCodeAt(i);
    }
    this.#keyLength = length;
    return true;
  }

  #hashKey(): number {
    return hash(this.#key, 0, this.#keyLength);
  }

  /** The slot holding the key in hand, or the empty slot where it would go. */
  #find(hashed: number): number {
    const slots = this.#slots;
    const tags = this.#tags;
    const tag = hashed >>> 24;
    const count = slots.length;
    for (let slot = hashed % count; ; slot = slot + 1 === count ? 0 : slot + 1) {
      const held = slots[slot]!;
      if (held === 0 || (tags[slot] === tag && this.#holdsKey(held - 1))) return slot;
    }
  }

  /** Puts a place in the first empty slot for `hashed` (the key is known to be absent). */
  #place(hashed: number, place: number): void {
    const slots = this.#slots;
    const count = slots.length;
    let slot = hashed % count;
    while (slots[slot] !== 0) slot = slot + 1 === count ? 0 : slot + 1;
    slots[slot] = place + 1;
    this.#tags[slot] = hashed >>> 24;
  }

  /** Whether the key stored at `place` equals the key in hand. */
  #holdsKey(place: number): boolean {
    let chunk = this.#chunks[place >>> CHUNK_BITS];
    let at = place & (CHUNK_BYTES - 1);
    if (chunk === undefined) {
      // In the file: one read of the longest entry that fits before the chunk's end.
      chunk = this.#read;
      readSync(this.#file(), chunk, 0, Math.min(MAX_ENTRY_BYTES, CHUNK_BYTES - at), place);
      at = 0;
    }
    const [length, start] = readLength(chunk, at);
    if (length !== this.#keyLength) return false;
    const key = this.#key;
    for (let i = 0; i < length; i++) if (chunk[start + i] !== key[i]) return false;
    return true;
  }

  /** Appends the key in hand to the chunks; returns its place. */
  #store(): number {
    const length = this.#keyLength;
    const needed = (length < 0x80 ? 1 : 2) + length;
    if (this.#used + needed > CHUNK_BYTES) this.#nextChunk();
    const chunk = this.#chunks[this.#chunks.length - 1]!;
    const place = (this.#chunks.length - 1) * CHUNK_BYTES + this.#used;
    let at = this.#used;
    if (length < 0x80) chunk[at++] = length;
    else {
      chunk[at++] = 0x80 | (length & 0x7f);
      chunk[at++] = length >>> 7;
    }
    chunk.set(this.#key.subarray(0, length), at);
    this.#used = at + length;
    return place;
  }

  /** Starts a new chunk; the full one goes to the file when it is past what stays in memory. */
  #nextChunk(): void {
    const last = this.#chunks.length - 1;
    if (this.#chunks.length * CHUNK_BYTES > MAX_PLACE - CHUNK_BYTES) {
      throw new RangeError('TaskIdSet: more ids than fit in 4 GiB of keys');
    }
    if (last >= this.#keepChunks && this.#openFile()) {
      const full = this.#chunks[last]!;
      for (let at = 0; at < this.#used; ) {
        at += writeSync(this.#fd, full, at, this.#used - at, last * CHUNK_BYTES + at);
      }
      // A new chunk rather than reusing this one: its zeroed tail ends the chunk for #entries.
      this.#chunks[last] = undefined;
    }
    this.#chunks.push(new Uint8Array(CHUNK_BYTES));
    this.#used = 0;
  }

  /** Whether the file is open, opening it the first time (false when it cannot be made). */
  #openFile(): boolean {
    if (this.#fd >= 0) return true;
    if (this.#fd === -2) return false;
    const path = join(tmpdir(), `bpk-ids-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      this.#fd = openSync(path, 'wx+', 0o600);
    } catch {
      this.#fd = -2;
      return false;
    }
    try {
      unlinkSync(path); // the open descriptor keeps the file until it is closed
    } catch {
      this.#unlinkAtClose = path; // Windows: an open file cannot be deleted
    }
    files.register(this, this.#fd, this);
    return true;
  }

  #file(): number {
    if (this.#fd < 0) throw new Error('TaskIdSet: used after close()');
    return this.#fd;
  }

  /** Grows the table by half in place and places every stored key again (from its bytes). */
  #grow(): void {
    const count = Math.min(MAX_SLOTS, Math.ceil(this.#slots.length * GROWTH));
    if (count === this.#slots.length) throw new RangeError('TaskIdSet: more ids than fit');
    this.#slotBuffer.resize(count * 4);
    this.#tagBuffer.resize(count);
    this.#slots.fill(0);
    for (const { bytes, start, length, place } of this.#entries()) {
      this.#place(hash(bytes, start, length), place);
    }
  }

  /** Every stored key (its bytes, where in them, and its place), in insertion order. */
  *#entries(): Generator<{ bytes: Uint8Array; start: number; length: number; place: number }> {
    let fromFile: Uint8Array | undefined;
    for (let c = 0; c < this.#chunks.length; c++) {
      let chunk = this.#chunks[c];
      if (chunk === undefined) {
        fromFile ??= new Uint8Array(CHUNK_BYTES);
        fromFile.fill(0);
        chunk = fromFile;
        for (let at = 0; at < CHUNK_BYTES; ) {
          const read = readSync(this.#file(), chunk, at, CHUNK_BYTES - at, c * CHUNK_BYTES + at);
          if (read === 0) break;
          at += read;
        }
      }
      const end = c === this.#chunks.length - 1 ? this.#used : CHUNK_BYTES;
      for (let at = 0; at < end; ) {
        const [length, start] = readLength(chunk, at);
        // A chunk's unused tail is zeros: a zero length (no key has one) ends the chunk.
        if (length === 0) break;
        yield { bytes: chunk, start, length, place: c * CHUNK_BYTES + at };
        at = start + length;
      }
    }
  }
}

/** The varint length at `at` and where the key starts. */
function readLength(chunk: Uint8Array, at: number): [length: number, start: number] {
  const first = chunk[at]!;
  if (first < 0x80) return [first, at + 1];
  return [(first & 0x7f) | (chunk[at + 1]! << 7), at + 2];
}

/** FNV-1a over the bytes, then murmur3's finaliser (the table wants well-mixed bits). */
function hash(bytes: Uint8Array, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The id whose key is `bytes[start, start + length)`. */
function decode(bytes: Uint8Array, start: number, length: number): TaskId {
  const tag = bytes[start];
  let text = '';
  if (tag === UTF16) {
    for (let i = start + 1; i < start + length; i += 2) {
      text += String.fromCharCode(bytes[i]! | (bytes[i + 1]! << 8));
    }
  } else {
    for (let i = start + 1; i < start + length; i++) text += String.fromCharCode(bytes[i]!);
  }
  return tag === NUMBER ? Number(text) : text;
}
