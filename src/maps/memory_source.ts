/**
 * An in-memory {@link MapSource}: the fake map provider for tests and the backing of replayed
 * `/maps` dumps.
 * @module
 */

import {
  isPerCpuMapType,
  type MapEntries,
  type MapSource,
  MapType,
  valueStride,
} from "./source.ts";

/** Describes an in-memory map. */
export interface MemoryMapSpec {
  /** Map name. */
  readonly name: string;
  /** `BPF_MAP_TYPE_*` (default HASH). */
  readonly type?: number;
  /** Key size in bytes. */
  readonly keySize: number;
  /** Value size per CPU (default 8). */
  readonly valueSize?: number;
  /** Capacity (default: unbounded). */
  readonly maxEntries?: number;
  /** Values per key for per-CPU types (default 2). */
  readonly cpus?: number;
}

/** A map whose entries are set from JavaScript. */
export class MemoryMapSource implements MapSource {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly cpus: number;
  #entries = new Map<string, { key: Uint8Array; values: bigint[] }>();

  /** Creates an empty map. */
  constructor(spec: MemoryMapSpec) {
    this.name = spec.name;
    this.type = spec.type ?? MapType.HASH;
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize ?? 8;
    this.maxEntries = spec.maxEntries ?? 0xffffffff;
    this.cpus = isPerCpuMapType(this.type) ? spec.cpus ?? 2 : 1;
  }

  /** Sets `key` to `values` (one per CPU; a single value is put on CPU 0 of per-CPU maps). */
  set(key: Uint8Array, ...values: (bigint | number)[]): this {
    if (key.length !== this.keySize) {
      throw new Error(`${this.name}: key has ${key.length} bytes, map key is ${this.keySize}`);
    }
    const all = Array.from({ length: this.cpus }, (_, i) => BigInt(values[i] ?? 0));
    this.#entries.set(Array.from(key).join(","), { key: key.slice(), values: all });
    return this;
  }

  /** Removes `key`. */
  delete(key: Uint8Array): void {
    this.#entries.delete(Array.from(key).join(","));
  }

  /** Removes every entry. */
  clear(): void {
    this.#entries.clear();
  }

  /** Packs the entries the way the kernel reader does. */
  read(): MapEntries {
    const stride = valueStride(this.type, this.valueSize, this.cpus);
    const count = this.#entries.size;
    const keys = new Uint8Array(count * this.keySize);
    const values = new Uint8Array(count * stride);
    const view = new DataView(values.buffer);
    let i = 0;
    for (const entry of this.#entries.values()) {
      keys.set(entry.key, i * this.keySize);
      entry.values.forEach((v, cpu) => {
        view.setBigUint64(i * stride + cpu * 8, BigInt.asUintN(64, v), true);
      });
      i++;
    }
    return { count, keys, values, valueStride: stride };
  }
}

/** Little-endian key bytes from fields, e.g. `keyBytes([4, 254 << 8], [1, 1], [1, 7], [2, 0])`. */
export function keyBytes(...fields: [size: number, value: number | bigint][]): Uint8Array {
  const size = fields.reduce((n, [s]) => n + s, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [s, v] of fields) {
    const big = BigInt.asUintN(s * 8, BigInt(v));
    for (let b = 0; b < s; b++) view.setUint8(at + b, Number((big >> BigInt(8 * b)) & 0xffn));
    at += s;
  }
  return out;
}
