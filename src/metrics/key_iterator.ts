/**
 * Walks a map snapshot key by key, expanding per-CPU maps with a trailing `cpu` label into one
 * key per CPU (the CPU index appended as a u16, as the label config declares it).
 * @module
 */

import type { KeyDecoder } from "../decoders/key_decoder.ts";
import type { MapEntries, MapSource } from "../maps/source.ts";
import { RawKeyCache } from "./series_cache.ts";

/** Visitor: cache id of the (possibly CPU-extended) key, its bytes, entry index, CPU or -1 (sum). */
export type KeyVisitor = (id: string, key: Uint8Array, index: number, cpu: number) => void;

/** Iterates keys of one metric's map. */
export class KeyIterator {
  /** Whether each CPU's value becomes its own series. */
  readonly splitCpus: boolean;
  /** Whether the metric has no labels and reads key 0 only. */
  readonly keyZeroOnly: boolean;
  readonly #scratch: Uint8Array;

  /** Decides the per-CPU mode from the decoder's labels and the map. */
  constructor(readonly decoder: KeyDecoder, readonly source: MapSource) {
    this.splitCpus = source.cpus > 1 && decoder.names.at(-1) === "cpu" &&
      decoder.keySize === source.keySize + 2;
    this.keyZeroOnly = decoder.names.length === 0;
    this.#scratch = new Uint8Array(source.keySize + 2);
  }

  /** Calls `visit` for every key of `entries`. */
  forEach(entries: MapEntries, visit: KeyVisitor): void {
    const size = this.source.keySize;
    const keys = entries.keys;
    for (let i = 0; i < entries.count; i++) {
      const key = keys.subarray(i * size, (i + 1) * size);
      if (this.keyZeroOnly) {
        if (!key.every((b) => b === 0)) continue;
        visit("", key, i, -1);
      } else if (this.splitCpus) {
        const scratch = this.#scratch;
        scratch.set(key);
        for (let cpu = 0; cpu < this.source.cpus; cpu++) {
          scratch[size] = cpu & 0xff;
          scratch[size + 1] = cpu >> 8;
          visit(RawKeyCache.keyOf(scratch), scratch, i, cpu);
        }
      } else {
        visit(RawKeyCache.keyOf(key), key, i, -1);
      }
    }
  }
}
