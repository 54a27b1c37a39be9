/**
 * A hash table from raw map-key bytes to what the key decoded to, without a JS object or string
 * per key: keys live in one byte arena, their results in typed arrays, the buckets in an
 * open-addressed `Int32Array`. A scrape of a steady map hashes each key and compares its bytes,
 * and allocates nothing.
 * @module
 */

/** Bounds of a {@link KeyTable}. */
export interface CacheLimits {
  /** Most decoded keys kept; past it, new keys are decoded on every scrape instead. */
  readonly decoded: number;
  /** Most dropped keys (regexp did not match) remembered as "skip". */
  readonly skipped: number;
}

/** Result stored for a key whose labels are dropped (a regexp did not match). */
export const SKIPPED = -1;

const MIN_CAPACITY = 64;

/** FNV-1a over `size` bytes of `buf` at `at`, with a final avalanche so sequential keys spread. */
export function hashBytes(buf: Uint8Array, at: number, size: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < size; i++) h = Math.imul(h ^ buf[at + i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

/**
 * Raw keys of one fixed size mapped to two integers (a series id and, for histograms, a bucket
 * index), each stamped with the scrape that last saw it so keys gone from the map can be swept.
 */
export class KeyTable {
  #capacity = 0;
  #count = 0;
  #skipped = 0;
  #keys = new Uint8Array(0);
  #hashes = new Int32Array(0);
  #series = new Int32Array(0);
  #aux = new Int32Array(0);
  #seen = new Uint32Array(0);
  // Open addressing, two ints per bucket: entry + 1 (0 = empty) and the key's hash, side by side
  // so a probe touches one cache line (on a big table every probe is a cache miss).
  #buckets = new Int32Array(0);
  #mask = 0;
  #generation = 0;

  /** A table for keys of `keySize` bytes within `limits`. */
  constructor(readonly keySize: number, readonly limits: CacheLimits) {
    this.#grow(MIN_CAPACITY);
  }

  /** Starts a scrape: a new generation; returns it. */
  beginScrape(): number {
    return ++this.#generation;
  }

  /** Makes room for `n` keys at once (a cold scrape of a big map grows the table only once). */
  reserve(n: number): void {
    let capacity = this.#capacity;
    while (capacity < n) capacity *= 2;
    if (capacity > this.#capacity) this.#grow(capacity);
  }

  /** Number of keys held. */
  get size(): number {
    return this.#count;
  }

  /**
   * The entry of the key at `buf[at..]`, marked as seen in this scrape, or -1. `hash` must be
   * {@link hashBytes} of the key.
   */
  find(buf: Uint8Array, at: number, hash: number): number {
    const keys = this.#keys;
    const size = this.keySize;
    const buckets = this.#buckets;
    const mask = this.#mask;
    let b = hash & mask;
    for (;;) {
      const e = buckets[2 * b] - 1;
      if (e < 0) return -1;
      if (buckets[2 * b + 1] === hash) {
        let k = e * size;
        let i = 0;
        while (i < size && keys[k] === buf[at + i]) {
          k++;
          i++;
        }
        if (i === size) {
          this.#seen[e] = this.#generation;
          return e;
        }
      }
      b = (b + 1) & mask;
    }
  }

  /** Series id stored for entry `e` ({@link SKIPPED} for a dropped key). */
  series(e: number): number {
    return this.#series[e];
  }

  /** Second integer stored for entry `e`. */
  aux(e: number): number {
    return this.#aux[e];
  }

  /**
   * Adds a key not in the table (see {@link find}); returns false when the table is at its bound
   * for this kind of result (the caller then decodes the key again next scrape).
   */
  add(buf: Uint8Array, at: number, hash: number, series: number, aux = 0): boolean {
    if (series === SKIPPED) {
      if (this.#skipped >= this.limits.skipped) return false;
    } else if (this.#count - this.#skipped >= this.limits.decoded) {
      return false;
    }
    if (this.#count === this.#capacity) this.#grow(this.#capacity * 2);
    if (series === SKIPPED) this.#skipped++;
    this.#insert(buf, at, hash, series, aux, this.#generation);
    return true;
  }

  #insert(buf: Uint8Array, at: number, hash: number, series: number, aux: number, seen: number) {
    const e = this.#count++;
    const size = this.keySize;
    if (size > 0) this.#keys.set(buf.subarray(at, at + size), e * size);
    this.#hashes[e] = hash;
    this.#series[e] = series;
    this.#aux[e] = aux;
    this.#seen[e] = seen;
    this.#place(e, hash);
  }

  #place(e: number, hash: number): void {
    const buckets = this.#buckets;
    const mask = this.#mask;
    let b = hash & mask;
    while (buckets[2 * b] !== 0) b = (b + 1) & mask;
    buckets[2 * b] = e + 1;
    buckets[2 * b + 1] = hash;
  }

  #grow(capacity: number): void {
    const size = this.keySize;
    const keys = this.#keys;
    const hashes = this.#hashes;
    const series = this.#series;
    const aux = this.#aux;
    const seen = this.#seen;
    this.#keys = new Uint8Array(capacity * size);
    this.#keys.set(keys);
    this.#hashes = new Int32Array(capacity);
    this.#hashes.set(hashes);
    this.#series = new Int32Array(capacity);
    this.#series.set(series);
    this.#aux = new Int32Array(capacity);
    this.#aux.set(aux);
    this.#seen = new Uint32Array(capacity);
    this.#seen.set(seen);
    this.#capacity = capacity;
    this.#rehash();
  }

  #rehash(): void {
    this.#buckets = new Int32Array(this.#capacity * 4); // capacity * 2 buckets, load <= 1/2
    this.#mask = this.#capacity * 2 - 1;
    for (let e = 0; e < this.#count; e++) this.#place(e, this.#hashes[e]);
  }

  /**
   * Drops every key not seen in the current scrape and renumbers series through `remap` (old id
   * to new id, or -1 to drop the key too), shrinking the arrays to fit.
   */
  sweep(remap?: Int32Array): void {
    const generation = this.#generation;
    const size = this.keySize;
    const old = {
      keys: this.#keys,
      hashes: this.#hashes,
      series: this.#series,
      aux: this.#aux,
      seen: this.#seen,
      count: this.#count,
    };
    let live = 0;
    for (let e = 0; e < old.count; e++) if (old.seen[e] === generation) live++;
    let capacity = MIN_CAPACITY;
    while (capacity < live * 1.25) capacity *= 2;
    this.#keys = new Uint8Array(capacity * size);
    this.#hashes = new Int32Array(capacity);
    this.#series = new Int32Array(capacity);
    this.#aux = new Int32Array(capacity);
    this.#seen = new Uint32Array(capacity);
    this.#capacity = capacity;
    this.#count = 0;
    this.#skipped = 0;
    this.#buckets = new Int32Array(capacity * 4);
    this.#mask = capacity * 2 - 1;
    for (let e = 0; e < old.count; e++) {
      if (old.seen[e] !== generation) continue;
      let series = old.series[e];
      if (series !== SKIPPED && remap) {
        series = remap[series];
        if (series < 0) continue;
      }
      if (series === SKIPPED) this.#skipped++;
      this.#insert(old.keys, e * size, old.hashes[e], series, old.aux[e], generation);
    }
  }
}
