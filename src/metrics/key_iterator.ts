/**
 * Walks a map snapshot key by key. On per-CPU maps whose config has a `cpu` label where the
 * metric kind expects it (last for counters, just before the bucket for histograms), each key is
 * expanded into one key per CPU, the CPU index written as a u16 where the `cpu` label sits
 * (compat.md §6). Otherwise per-CPU values are summed.
 * @module
 */

import type { KeyDecoder } from "../decoders/key_decoder.ts";
import { isPerCpuMapType, type MapEntries, type MapSource } from "../maps/source.ts";

/**
 * Visitor: the (possibly CPU-extended) key is the {@link KeyIterator.idSize} bytes of `buf` at
 * `at`; then the entry index, and the CPU or -1 (sum).
 */
export type KeyVisitor = (buf: Uint8Array, at: number, index: number, cpu: number) => void;

/** Iterates keys of one metric's map. */
export class KeyIterator {
  /** Whether each CPU's value becomes its own series. */
  readonly splitCpus: boolean;
  /** Whether only key 0 is read (no labels, or a lone `cpu` label on a per-CPU array). */
  readonly keyZeroOnly: boolean;
  readonly #cpuOffset: number;
  readonly #cpuBytes: number;
  readonly #scratch: Uint8Array;
  /** Bytes that identify a visited key: the map key, plus the CPU when split, or 0 for key 0. */
  readonly idSize: number;
  #keys: Uint8Array = new Uint8Array(0);
  #index = 0;

  /**
   * `cpuLabelIndex`: where a `cpu` label may stand (`cpuLabelIndex()` of maps/source.ts:
   * counters the last label, histograms the one before the bucket label).
   */
  constructor(readonly decoder: KeyDecoder, readonly source: MapSource, cpuLabelIndex: number) {
    const span = decoder.spans[cpuLabelIndex];
    const cpuLabel = isPerCpuMapType(source.type) && span !== undefined &&
      decoder.names[cpuLabelIndex] === "cpu";
    const loneCpu = cpuLabel && decoder.names.length === 1 && source.keySize === 4;
    this.splitCpus = loneCpu || (cpuLabel && decoder.keySize === source.keySize + span.bytes);
    this.keyZeroOnly = decoder.names.length === 0 || loneCpu;
    this.#cpuOffset = this.splitCpus ? span.offset : 0;
    this.#cpuBytes = this.splitCpus ? span.bytes : 0;
    this.#scratch = new Uint8Array(loneCpu ? this.#cpuBytes : source.keySize + this.#cpuBytes);
    this.idSize = this.splitCpus ? this.#scratch.length : this.keyZeroOnly ? 0 : source.keySize;
  }

  /**
   * Calls `visit` for every key of `entries`. Inside `visit`, {@link currentKey} gives the key's
   * bytes (built only when asked: on a cache hit nothing is allocated).
   */
  forEach(entries: MapEntries, visit: KeyVisitor): void {
    const size = this.source.keySize;
    const keys = entries.keys;
    this.#keys = keys;
    const loneCpu = this.keyZeroOnly && this.splitCpus;
    for (let i = 0; i < entries.count; i++) {
      this.#index = i;
      const at = i * size;
      if (!this.splitCpus && !this.keyZeroOnly) {
        visit(keys, at, i, -1);
        continue;
      }
      const key = keys.subarray(at, at + size);
      if (this.keyZeroOnly && !isZero(key)) continue;
      if (!this.splitCpus) {
        visit(keys, at, i, -1);
        continue;
      }
      const scratch = this.#scratch;
      const cpuAt = this.#cpuOffset;
      if (!loneCpu) {
        scratch.set(key.subarray(0, cpuAt), 0);
        scratch.set(key.subarray(cpuAt), cpuAt + this.#cpuBytes);
      }
      scratch.fill(0, cpuAt, cpuAt + this.#cpuBytes);
      for (let cpu = 0; cpu < this.source.cpus; cpu++) {
        scratch[cpuAt] = cpu & 0xff;
        scratch[cpuAt + 1] = cpu >> 8;
        visit(scratch, 0, i, cpu);
      }
    }
  }

  /** The bytes of the key being visited (valid only during the visit; do not keep them). */
  currentKey(): Uint8Array {
    if (this.splitCpus) return this.#scratch;
    const size = this.source.keySize;
    return this.#keys.subarray(this.#index * size, (this.#index + 1) * size);
  }
}

function isZero(key: Uint8Array): boolean {
  for (let i = 0; i < key.length; i++) if (key[i] !== 0) return false;
  return true;
}
