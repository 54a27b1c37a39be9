/**
 * Reading u64 map values out of a {@link MapEntries} buffer, summing per-CPU slots.
 * @module
 */

import type { MapEntries } from "../maps/source.ts";

const TWO_32 = 4294967296;
const HIGH_LIMIT = 0x200000; // values with a high word at or above this exceed 2^53

/** Reads values of one map snapshot as float64, exactly as Go's float64(uint64) would. */
export class ValueReader {
  #view: DataView;
  #stride: number;
  #cpus: number;
  #slot: number;

  /** Wraps a snapshot whose entries hold `cpus` u64 slots of `slotSize` bytes each. */
  constructor(entries: MapEntries, cpus: number, slotSize = 8) {
    this.#view = new DataView(
      entries.values.buffer,
      entries.values.byteOffset,
      entries.values.byteLength,
    );
    this.#stride = entries.valueStride;
    this.#cpus = cpus;
    this.#slot = slotSize;
  }

  /** The value of entry `i` on `cpu` (0 for non-per-CPU maps). */
  one(i: number, cpu = 0): number {
    const at = i * this.#stride + cpu * this.#slot;
    const lo = this.#view.getUint32(at, true);
    const hi = this.#view.getUint32(at + 4, true);
    return hi === 0 ? lo : hi * TWO_32 + lo;
  }

  /** The u64 sum over every CPU of entry `i`, converted to float64 once (wrapping like uint64). */
  sum(i: number): number {
    if (this.#cpus === 1) return this.one(i);
    const base = i * this.#stride;
    let total = 0;
    let exact = true;
    for (let cpu = 0; cpu < this.#cpus; cpu++) {
      const at = base + cpu * this.#slot;
      const hi = this.#view.getUint32(at + 4, true);
      if (hi >= HIGH_LIMIT) exact = false;
      total += hi * TWO_32 + this.#view.getUint32(at, true);
    }
    if (exact && total <= Number.MAX_SAFE_INTEGER) return total;
    let big = 0n;
    for (let cpu = 0; cpu < this.#cpus; cpu++) {
      big += this.#view.getBigUint64(base + cpu * this.#slot, true);
    }
    return Number(BigInt.asUintN(64, big));
  }
}
