/**
 * The set of task ids `backpressure-kit solve` keeps for a whole run (to refuse duplicate ids
 * and to skip what the results file already holds), stored compactly: a million ids cost about
 * 20 MB here against about 60 MB in a `Set<string | number>`, and live outside the garbage
 * collected heap (a few large typed arrays, no object per id). Membership is exact: ids are
 * compared byte for byte, never by hash alone.
 */
import type { TaskId } from './solve-record.js';

// Ids are kept one after another in fixed-size chunks: a varint length, then the key bytes.
// A key never spans two chunks, so an id's place is one number: chunk * CHUNK_BYTES + offset.
const CHUNK_BITS = 18;
const CHUNK_BYTES = 1 << CHUNK_BITS;
// Ids longer than this (in key bytes) go to an ordinary Set: rare, and they would waste chunks.
const MAX_KEY_BYTES = 4_096;
// The table's slots hold a place + 1 in a Uint32Array: places must stay below 2^32 - 1.
const MAX_PLACE = 2 ** 32 - 2;
const MIN_SLOTS = 1_024;
const MAX_LOAD = 0.7;

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

/**
 * A `Set` of task ids (strings and numbers, with `Set`'s equality: `0` and `-0` are one id)
 * in compact storage. Iterates in insertion order, like `Set`. Nothing is ever deleted.
 *
 * @throws {RangeError} from `add` past about 4 GiB of stored ids (hundreds of millions).
 * @example
 * ```ts
 * const ids = new TaskIdSet();
 * ids.add('t1').add(2);
 * ids.has('t1'); // true
 * ids.has('2'); // false: the number 2 is not the string "2"
 * [...ids]; // ['t1', 2]
 * ```
 */
export class TaskIdSet implements Iterable<TaskId> {
  readonly #chunks: Uint8Array[] = [];
  /** Bytes used in the last chunk. */
  #used = CHUNK_BYTES;
  #slots = new Uint32Array(MIN_SLOTS);
  #size = 0;
  /** The key of the id in hand (encoded by {@link TaskIdSet.#encode}). */
  readonly #key = new Uint8Array(MAX_KEY_BYTES);
  #keyLength = 0;
  /** Ids whose key is longer than MAX_KEY_BYTES, in insertion order. */
  readonly #long = new Set<TaskId>();

  /** Creates a set holding `ids`. */
  constructor(ids: Iterable<TaskId> = []) {
    for (const id of ids) this.add(id);
  }

  /** Number of ids held. */
  get size(): number {
    return this.#size + this.#long.size;
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
    const hash = this.#hashKey();
    const slot = this.#find(hash);
    if (this.#slots[slot] !== 0) return this;
    this.#slots[slot] = this.#store() + 1;
    this.#size++;
    if (this.#size > this.#slots.length * MAX_LOAD) this.#grow();
    return this;
  }

  /** The ids in insertion order (ids with very long keys come last). */
  *[Symbol.iterator](): IterableIterator<TaskId> {
    for (const place of this.#places()) yield decode(this.#chunks, place);
    yield* this.#long;
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
    const mask = slots.length - 1;
    for (let slot = hashed & mask; ; slot = (slot + 1) & mask) {
      const held = slots[slot]!;
      if (held === 0 || this.#holdsKey(held - 1)) return slot;
    }
  }

  /** Whether the key stored at `place` equals the key in hand. */
  #holdsKey(place: number): boolean {
    const chunk = this.#chunks[place >>> CHUNK_BITS]!;
    let at = place & (CHUNK_BYTES - 1);
    const [length, start] = readLength(chunk, at);
    if (length !== this.#keyLength) return false;
    at = start;
    const key = this.#key;
    for (let i = 0; i < length; i++) if (chunk[at + i] !== key[i]) return false;
    return true;
  }

  /** Appends the key in hand to the chunks; returns its place. */
  #store(): number {
    const length = this.#keyLength;
    const needed = (length < 0x80 ? 1 : 2) + length;
    if (this.#used + needed > CHUNK_BYTES) {
      if (this.#chunks.length * CHUNK_BYTES > MAX_PLACE - CHUNK_BYTES) {
        throw new RangeError('TaskIdSet: more ids than fit in 4 GiB of keys');
      }
      this.#chunks.push(new Uint8Array(CHUNK_BYTES));
      this.#used = 0;
    }
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

  /** Doubles the table, placing every stored key again (hashes are recomputed from the keys). */
  #grow(): void {
    const slots = new Uint32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (const place of this.#places()) {
      const chunk = this.#chunks[place >>> CHUNK_BITS]!;
      const [length, start] = readLength(chunk, place & (CHUNK_BYTES - 1));
      let slot = hash(chunk, start, length) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = place + 1;
    }
    this.#slots = slots;
  }

  /** The place of every stored key, in insertion order. */
  *#places(): Generator<number> {
    for (let c = 0; c < this.#chunks.length; c++) {
      const chunk = this.#chunks[c]!;
      const end = c === this.#chunks.length - 1 ? this.#used : CHUNK_BYTES;
      for (let at = 0; at < end; ) {
        const [length, start] = readLength(chunk, at);
        // A chunk's unused tail is zeros: a zero length (no key has one) ends the chunk.
        if (length === 0) break;
        yield c * CHUNK_BYTES + at;
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

/** FNV-1a over the bytes, then murmur3's finaliser (linear probing wants well-mixed low bits). */
function hash(bytes: Uint8Array, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The id whose key is stored at `place`. */
function decode(chunks: readonly Uint8Array[], place: number): TaskId {
  const chunk = chunks[place >>> CHUNK_BITS]!;
  const [length, start] = readLength(chunk, place & (CHUNK_BYTES - 1));
  const tag = chunk[start];
  let text = '';
  if (tag === UTF16) {
    for (let i = start + 1; i < start + length; i += 2) {
      text += String.fromCharCode(chunk[i]! | (chunk[i + 1]! << 8));
    }
  } else {
    for (let i = start + 1; i < start + length; i++) text += String.fromCharCode(chunk[i]!);
  }
  return tag === NUMBER ? Number(text) : text;
}
