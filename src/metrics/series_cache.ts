/**
 * Decoded-label cache keyed by raw map-key bytes.
 *
 * Decoding is the dominant scrape cost, so each distinct raw key is decoded once and maps to a
 * shared slot (keys that decode to the same labels share one slot, which sums them). Slots not
 * seen for a while are evicted so memory follows the map, not its history.
 * @module
 */

import { LabelSet } from "./family.ts";

/** {@link RawKeyCache.keyOf} of the `count` code units of `u` starting at `at`, without copying. */
function pairKey(u: Uint16Array, at: number, count: number): string {
  switch (count) {
    case 2:
      return fromCodes(u[at], u[at + 1]);
    case 4:
      return fromCodes(u[at], u[at + 1], u[at + 2], u[at + 3]);
    case 8:
      return fromCodes(
        u[at],
        u[at + 1],
        u[at + 2],
        u[at + 3],
        u[at + 4],
        u[at + 5],
        u[at + 6],
        u[at + 7],
      );
  }
  let s = "";
  for (let i = 0; i < count; i++) s += fromCodes(u[at + i]);
  return s;
}

/**
 * Keeps one accumulating slot per distinct label values (so keys that decode alike are summed),
 * building each slot's {@link LabelSet}, sorted by label name, once.
 */
export class SlotInterner<S extends { readonly labels: LabelSet }> {
  readonly #order: number[];
  readonly #sortedNames: string[];
  #byValues = new Map<string, S>();

  /** `names`: label names in key order; `create` makes a slot for a new label set. */
  constructor(names: readonly string[], readonly create: (labels: LabelSet) => S) {
    this.#order = names.map((_, i) => i).sort((a, b) =>
      names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0
    );
    this.#sortedNames = this.#order.map((i) => names[i]);
  }

  /** The slot for `values` (given in key order). */
  get(values: readonly string[]): S {
    const id = values.length === 1 ? values[0] : values.join("\u0000");
    let slot = this.#byValues.get(id);
    if (slot === undefined) {
      slot = this.create(new LabelSet(this.#sortedNames, this.#order.map((i) => values[i])));
      this.#byValues.set(id, slot);
    }
    return slot;
  }

  /** Forgets every slot not in `keep`. */
  retain(keep: ReadonlySet<S>): void {
    for (const [id, slot] of this.#byValues) if (!keep.has(slot)) this.#byValues.delete(id);
  }

  /** Number of slots. */
  get size(): number {
    return this.#byValues.size;
  }
}

/** Cache entry: what a raw key decoded to, and the scrape that last saw it. */
export interface CacheEntry<T> {
  /** Decoded result; `null` means the series is dropped (regexp did not match). */
  readonly value: T | null;
  /** Generation of the last scrape that saw the key. */
  seen: number;
}

const fromCodes = String.fromCharCode;

/** Bounds of a {@link RawKeyCache}. */
export interface CacheLimits {
  /** Most decoded keys kept; past it, new keys are decoded on every scrape instead. */
  readonly decoded: number;
  /** Most dropped keys (regexp did not match) remembered as "skip". */
  readonly skipped: number;
}

/** A bounded map from raw key bytes to decoded results, swept by scrape generation. */
export class RawKeyCache<T> {
  #entries = new Map<string, CacheEntry<T>>();
  #generation = 0;
  #skipped = 0;

  /** Creates an empty cache with the given bounds. */
  constructor(readonly limits: CacheLimits) {}

  /** Starts a scrape: a new generation. */
  beginScrape(): number {
    return ++this.#generation;
  }

  /**
   * The cache key for raw bytes: one UTF-16 code unit per byte pair (any value, lone surrogates
   * included, is a valid Map key), about 5x cheaper than a TextDecoder call per key.
   */
  static keyOf(bytes: Uint8Array): string {
    const n = bytes.length;
    if ((n & 1) === 0 && (bytes.byteOffset & 1) === 0) {
      return pairKey(new Uint16Array(bytes.buffer, bytes.byteOffset, n >> 1), 0, n >> 1);
    }
    let s = "\u{10000}"; // odd sizes: one code unit per byte, marked so they never equal pair keys
    for (let i = 0; i < n; i++) s += fromCodes(bytes[i]);
    return s;
  }

  /** Looks up `id` and marks it as seen in this scrape. */
  get(id: string): CacheEntry<T> | undefined {
    const entry = this.#entries.get(id);
    if (entry) entry.seen = this.#generation;
    return entry;
  }

  /** Stores a decoded result (or a drop, as `null`) if there is room. */
  set(id: string, value: T | null): void {
    if (value === null) {
      if (this.#skipped >= this.limits.skipped) return;
      this.#skipped++;
    } else if (this.#entries.size - this.#skipped >= this.limits.decoded) {
      return;
    }
    this.#entries.set(id, { value, seen: this.#generation });
  }

  /** Drops entries not seen in the current scrape; returns the surviving values. */
  sweep(): T[] {
    const alive: T[] = [];
    for (const [id, entry] of this.#entries) {
      if (entry.seen !== this.#generation) {
        this.#entries.delete(id);
        if (entry.value === null) this.#skipped--;
      } else if (entry.value !== null) alive.push(entry.value);
    }
    return alive;
  }

  /** Number of cached keys. */
  get size(): number {
    return this.#entries.size;
  }
}
