/**
 * The label sets of one family, stored column-wise: every series' label values as UTF-8 in one
 * byte arena (label-name order, each value after its LEB128 length), addressed by a series id.
 * Equal label values share one id (interned through a hash of their bytes), so keys that decode
 * alike are summed. Encoders render a series straight from the arena; nothing per series is a JS
 * object or string.
 *
 * A table only ever appends: the bytes of an existing id never change, so a family snapshot that
 * holds a table stays valid while later scrapes add series. {@link compact} builds a new table.
 * @module
 */

import { hashBytes } from "./key_table.ts";
import { LabelSet } from "./family.ts";

const utf8 = new TextEncoder();
/** Ids above this do not fit the packed sort's 24 bits. */
const PACKED_ID_LIMIT = 1 << 24;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8Decoder = new TextDecoder();
const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;

/** Interned label sets of one family, addressed by series id. */
export class LabelTable {
  /** Label names, sorted. */
  readonly names: readonly string[];
  /** For each sorted label, its index among the decoder's values (key order). */
  readonly #keyOrder: readonly number[];
  readonly #keyNames: readonly string[];
  readonly #textPrefix: readonly Uint8Array[];
  readonly #nameBytes: readonly Uint8Array[];
  readonly #textPrefixBytes: number;
  #bytes = new Uint8Array(1024);
  #used = 0;
  #start = new Int32Array(65);
  #hashes = new Int32Array(64);
  #escaped = new Uint8Array(64);
  // Open addressing, two ints per bucket: id + 1 (0 = empty) and the hash (one cache line).
  #buckets = new Int32Array(256);
  #count = 0;
  #scratch = new Uint8Array(256);
  /** Some value holds a NUL byte (the packed sort's separator): sort by comparisons only. */
  #hasNul = false;

  /** A table for label `names` given in key order (the order a decoder returns values in). */
  constructor(names: readonly string[]) {
    this.#keyNames = names;
    const order = names.map((_, i) => i).sort((a, b) =>
      names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0
    );
    this.#keyOrder = order;
    this.names = order.map((i) => names[i]);
    this.#textPrefix = this.names.map((n, j) => utf8.encode((j > 0 ? "," : "") + n + '="'));
    this.#nameBytes = this.names.map((n) => utf8.encode(n));
    this.#textPrefixBytes = this.#textPrefix.reduce((sum, p) => sum + p.length + 1, 0);
  }

  /** Makes room for `n` series ids at once. */
  reserve(n: number): void {
    while (this.#hashes.length <= n) this.#growIds();
    if (this.#buckets.length < 4 * n) {
      let size = this.#buckets.length;
      while (size < 4 * n) size *= 2;
      this.#rehash(size);
    }
  }

  /** Number of series ids handed out. */
  get count(): number {
    return this.#count;
  }

  /** Bytes of the arena (all label values of every series). */
  get arenaBytes(): number {
    return this.#used;
  }

  /**
   * The id of the label set whose values are `values` (in key order; values past the table's
   * labels, such as a histogram's bucket, are ignored), adding it when new.
   */
  intern(values: readonly string[]): number {
    const begin = this.#used;
    let escaped = 0;
    for (let j = 0; j < this.#keyOrder.length; j++) {
      escaped |= this.#appendValue(values[this.#keyOrder[j]]);
    }
    const end = this.#used;
    const hash = hashBytes(this.#bytes, begin, end - begin);
    const buckets = this.#buckets;
    const mask = (buckets.length >> 1) - 1;
    let b = hash & mask;
    for (;;) {
      const id = buckets[2 * b] - 1;
      if (id < 0) break;
      if (buckets[2 * b + 1] === hash && this.#sameBytes(id, begin, end)) {
        this.#used = begin; // an existing set: forget the candidate bytes
        return id;
      }
      b = (b + 1) & mask;
    }
    return this.#commit(begin, end, hash, escaped);
  }

  #commit(begin: number, end: number, hash: number, escaped: number): number {
    const id = this.#count;
    if (id + 1 >= this.#hashes.length) this.#growIds();
    this.#count++;
    this.#start[id] = begin;
    this.#start[id + 1] = end;
    this.#hashes[id] = hash;
    this.#escaped[id] = escaped;
    if (this.#count * 4 > this.#buckets.length) this.#rehash(this.#buckets.length * 2);
    else this.#place(id, hash);
    return id;
  }

  #sameBytes(id: number, begin: number, end: number): boolean {
    const s = this.#start[id];
    if (this.#start[id + 1] - s !== end - begin) return false;
    const bytes = this.#bytes;
    for (let i = 0; i < end - begin; i++) if (bytes[s + i] !== bytes[begin + i]) return false;
    return true;
  }

  #place(id: number, hash: number): void {
    const buckets = this.#buckets;
    const mask = (buckets.length >> 1) - 1;
    let b = hash & mask;
    while (buckets[2 * b] !== 0) b = (b + 1) & mask;
    buckets[2 * b] = id + 1;
    buckets[2 * b + 1] = hash;
  }

  #rehash(size: number): void {
    this.#buckets = new Int32Array(size);
    for (let id = 0; id < this.#count; id++) this.#place(id, this.#hashes[id]);
  }

  #growIds(): void {
    const capacity = this.#hashes.length * 2;
    const start = new Int32Array(capacity + 1);
    start.set(this.#start);
    this.#start = start;
    const hashes = new Int32Array(capacity);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
    const escaped = new Uint8Array(capacity);
    escaped.set(this.#escaped);
    this.#escaped = escaped;
  }

  #room(n: number): void {
    if (this.#used + n <= this.#bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.#bytes.length * 2, this.#used + n));
    bigger.set(this.#bytes.subarray(0, this.#used));
    this.#bytes = bigger;
  }

  /** Appends one value (LEB128 length, UTF-8 bytes); returns 1 when it needs text escaping. */
  #appendValue(s: string): number {
    const n = s.length;
    this.#room(5 + 3 * n);
    const bytes = this.#bytes;
    let escaped = 0;
    if (n < 128) {
      let p = this.#used + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        if (c === QUOTE || c === BACKSLASH || c === NEWLINE) escaped = 1;
        else if (c === 0) this.#hasNul = true;
        bytes[p++] = c;
      }
      if (i === n) {
        bytes[this.#used] = n;
        this.#used = p;
        return escaped;
      }
    }
    if (this.#scratch.length < 3 * n) this.#scratch = new Uint8Array(3 * n);
    const length = utf8.encodeInto(s, this.#scratch).written;
    let p = this.#used;
    let v = length;
    while (v >= 0x80) {
      bytes[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    bytes[p++] = v;
    for (let i = 0; i < length; i++) {
      const c = this.#scratch[i];
      if (c === QUOTE || c === BACKSLASH || c === NEWLINE) escaped = 1;
      else if (c === 0) this.#hasNul = true;
      bytes[p++] = c;
    }
    this.#used = p;
    return escaped;
  }

  /**
   * Go-client order of two series: label values compared as byte strings (Go's string order), in
   * label-name order.
   */
  compare(a: number, b: number): number {
    const bytes = this.#bytes;
    let p = this.#start[a];
    let q = this.#start[b];
    for (let j = 0; j < this.#keyOrder.length; j++) {
      let la = bytes[p++];
      if (la >= 0x80) [la, p] = readLength(bytes, p - 1);
      let lb = bytes[q++];
      if (lb >= 0x80) [lb, q] = readLength(bytes, q - 1);
      const m = la < lb ? la : lb;
      for (let i = 0; i < m; i++) {
        const d = bytes[p + i] - bytes[q + i];
        if (d !== 0) return d;
      }
      if (la !== lb) return la - lb;
      p += la;
      q += lb;
    }
    return 0;
  }

  /**
   * Sorts `ids` in place in {@link compare} order. Each id is packed with the first 5 bytes of its
   * values (NUL-separated, which orders exactly as value-by-value comparison when no value holds
   * a NUL) into a u64, the u64s sorted natively, and only runs sharing those 5 bytes compared in
   * full: several times faster than a comparison sort on a cold scrape of a big map.
   */
  sortIds(ids: Int32Array): void {
    const n = ids.length;
    const compare = (a: number, b: number) => this.compare(a, b);
    if (n < 64 || this.#hasNul || this.#count > PACKED_ID_LIMIT || !LITTLE_ENDIAN) {
      ids.sort(compare);
      return;
    }
    const packed = new BigUint64Array(n);
    const words = new Uint32Array(packed.buffer);
    const bytes = this.#bytes;
    const labels = this.#keyOrder.length;
    const prefix = [0, 0, 0, 0, 0];
    for (let k = 0; k < n; k++) {
      const id = ids[k];
      let p = this.#start[id];
      let got = 0;
      for (let j = 0; j < labels && got < 5; j++) {
        let length = bytes[p++];
        if (length >= 0x80) [length, p] = readLength(bytes, p - 1);
        for (let i = 0; i < length && got < 5; i++) prefix[got++] = bytes[p + i];
        if (got < 5) prefix[got++] = 0; // separator
        p += length;
      }
      while (got < 5) prefix[got++] = 0;
      words[2 * k + 1] = ((prefix[0] << 24) | (prefix[1] << 16) | (prefix[2] << 8) | prefix[3]) >>>
        0;
      words[2 * k] = ((prefix[4] << 24) | id) >>> 0;
    }
    packed.sort();
    let runStart = 0;
    for (let k = 0; k <= n; k++) {
      if (
        k < n && k > runStart && words[2 * k + 1] === words[2 * runStart + 1] &&
        words[2 * k] >>> 24 === words[2 * runStart] >>> 24
      ) continue;
      if (k - runStart > 1) {
        for (let r = runStart; r < k; r++) ids[r] = words[2 * r] & 0xffffff;
        ids.subarray(runStart, k).sort(compare);
      } else if (k - runStart === 1) {
        ids[runStart] = words[2 * runStart] & 0xffffff;
      }
      runStart = k;
    }
  }

  /** The label set of series `id` as a {@link LabelSet} (for the reference encoders and tests). */
  labelSet(id: number): LabelSet {
    const bytes = this.#bytes;
    let p = this.#start[id];
    const values: string[] = [];
    for (let j = 0; j < this.#keyOrder.length; j++) {
      let length = bytes[p++];
      if (length >= 0x80) [length, p] = readLength(bytes, p - 1);
      values.push(utf8Decoder.decode(bytes.subarray(p, p + length)));
      p += length;
    }
    return new LabelSet(this.names, values);
  }

  /** An upper bound of the bytes {@link writeText} writes for `id`. */
  textSize(id: number): number {
    return this.#textPrefixBytes + 2 * (this.#start[id + 1] - this.#start[id]);
  }

  /**
   * Writes the `a="x",b="y"` fragment of series `id` at `buf[pos]` (room for {@link textSize}
   * bytes must be there), escaping values as the text formats do; returns the new position.
   */
  writeText(buf: Uint8Array, pos: number, id: number): number {
    const bytes = this.#bytes;
    const escape = this.#escaped[id] === 1;
    let p = this.#start[id];
    for (let j = 0; j < this.#textPrefix.length; j++) {
      const prefix = this.#textPrefix[j];
      for (let i = 0; i < prefix.length; i++) buf[pos++] = prefix[i];
      let length = bytes[p++];
      if (length >= 0x80) [length, p] = readLength(bytes, p - 1);
      const end = p + length;
      if (escape) {
        while (p < end) {
          const c = bytes[p++];
          if (c === BACKSLASH || c === QUOTE) {
            buf[pos++] = BACKSLASH;
            buf[pos++] = c;
          } else if (c === NEWLINE) {
            buf[pos++] = BACKSLASH;
            buf[pos++] = 110; // n
          } else {
            buf[pos++] = c;
          }
        }
      } else {
        while (p < end) buf[pos++] = bytes[p++];
      }
      buf[pos++] = QUOTE;
    }
    return pos;
  }

  /** Exact size of the protobuf `Metric.label` fields of series `id`. */
  protoSize(id: number): number {
    const bytes = this.#bytes;
    let p = this.#start[id];
    let size = 0;
    for (let j = 0; j < this.#nameBytes.length; j++) {
      let length = bytes[p++];
      if (length >= 0x80) [length, p] = readLength(bytes, p - 1);
      p += length;
      const n = this.#nameBytes[j].length;
      const pair = 1 + varintSize(n) + n + 1 + varintSize(length) + length;
      size += 1 + varintSize(pair) + pair;
    }
    return size;
  }

  /**
   * Writes the protobuf `Metric.label` fields (tag 1, `LabelPair{name = 1, value = 2}`) of
   * series `id` at `buf[pos]` (room for {@link protoSize} bytes must be there); returns the new
   * position.
   */
  writeProto(buf: Uint8Array, pos: number, id: number): number {
    const bytes = this.#bytes;
    let p = this.#start[id];
    for (let j = 0; j < this.#nameBytes.length; j++) {
      let length = bytes[p++];
      if (length >= 0x80) [length, p] = readLength(bytes, p - 1);
      const name = this.#nameBytes[j];
      const pair = 1 + varintSize(name.length) + name.length + 1 + varintSize(length) + length;
      buf[pos++] = 0x0a;
      pos = writeVarint(buf, pos, pair);
      buf[pos++] = 0x0a;
      pos = writeVarint(buf, pos, name.length);
      for (let i = 0; i < name.length; i++) buf[pos++] = name[i];
      buf[pos++] = 0x12;
      pos = writeVarint(buf, pos, length);
      for (let i = 0; i < length; i++) buf[pos++] = bytes[p + i];
      p += length;
    }
    return pos;
  }

  /**
   * A new table with only the series `keep[id] === 1`, ids renumbered in their old order, and the
   * old-to-new id map (-1 for dropped series).
   */
  compact(keep: Uint8Array): { table: LabelTable; remap: Int32Array } {
    const table = new LabelTable(this.#keyNames);
    const remap = new Int32Array(this.#count).fill(-1);
    for (let id = 0; id < this.#count; id++) {
      if (keep[id] !== 1) continue;
      const s = this.#start[id];
      const e = this.#start[id + 1];
      table.#room(e - s);
      table.#bytes.set(this.#bytes.subarray(s, e), table.#used);
      const begin = table.#used;
      table.#used += e - s;
      remap[id] = table.#commit(begin, table.#used, this.#hashes[id], this.#escaped[id]);
    }
    return { table, remap };
  }
}

/** Reads a LEB128 length at `bytes[p]`; returns it and the position after it. */
function readLength(bytes: Uint8Array, p: number): [number, number] {
  let v = 0;
  let shift = 1;
  for (;;) {
    const b = bytes[p++];
    v += (b & 0x7f) * shift;
    if (b < 0x80) return [v, p];
    shift *= 128;
  }
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}
