/**
 * Reads a kernel BPF map into reusable buffers: `bpf_map_lookup_batch` where the kernel supports
 * it, falling back to `bpf_map_get_next_key` + `bpf_map_lookup_elem` where it does not.
 * @module
 */

import { BpfError, libbpf } from "../../ffi/libbpf.ts";
import { EINVAL, ENOENT, ENOSPC, ENOTSUPP, EOPNOTSUPP } from "../../ffi/libc.ts";
import { isPerCpuMapType, type MapEntries, type MapSource } from "../maps/source.ts";

const INITIAL_CAPACITY = 4096;

/** Static facts about a kernel map, as libbpf reports them after load. */
export interface KernelMapInfo {
  /** Map name. */
  readonly name: string;
  /** `BPF_MAP_TYPE_*`. */
  readonly type: number;
  /** Key size in bytes. */
  readonly keySize: number;
  /** Value size in bytes (per CPU). */
  readonly valueSize: number;
  /** Maximum entries. */
  readonly maxEntries: number;
  /** Map file descriptor (owned by the BPF object). */
  readonly fd: number;
  /** Values per key (possible CPUs for per-CPU maps, else 1). */
  readonly cpus: number;
}

/** A {@link MapSource} backed by a kernel map file descriptor. */
export class KernelMapSource implements MapSource {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly cpus: number;
  /** Bytes of values per key. */
  readonly valueStride: number;
  /** Whether `bpf_map_lookup_batch` works on this map (learned on first read). */
  batchSupported = true;

  /** The map file descriptor (owned by its BPF object). */
  readonly fd: number;
  #capacity: number;
  #keys: Uint8Array<ArrayBuffer>;
  #values: Uint8Array<ArrayBuffer>;
  #tokenIn: Uint8Array<ArrayBuffer>;
  #tokenOut: Uint8Array<ArrayBuffer>;
  #count = new Uint32Array(1);
  #opts = new BigUint64Array([24n, 0n, 0n]); // struct bpf_map_batch_opts { sz, elem_flags, flags }

  /** Wraps a loaded map; the descriptor stays owned by its BPF object. */
  constructor(info: KernelMapInfo) {
    this.name = info.name;
    this.type = info.type;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.cpus = info.cpus;
    this.valueStride = isPerCpuMapType(info.type)
      ? Math.ceil(info.valueSize / 8) * 8 * info.cpus
      : info.valueSize;
    this.fd = info.fd;
    this.#capacity = Math.max(1, Math.min(info.maxEntries, INITIAL_CAPACITY));
    this.#keys = new Uint8Array(this.#capacity * this.keySize);
    this.#values = new Uint8Array(this.#capacity * this.valueStride);
    const tokenSize = Math.max(8, Math.ceil(this.keySize / 8) * 8);
    this.#tokenIn = new Uint8Array(tokenSize);
    this.#tokenOut = new Uint8Array(tokenSize);
  }

  /** Reads every entry of the map. */
  read(): MapEntries {
    if (this.batchSupported) {
      const entries = this.#readBatch();
      if (entries) return entries;
    }
    return this.#readIterating();
  }

  #grow(): boolean {
    if (this.#capacity >= this.maxEntries) return false;
    this.#capacity = Math.min(this.maxEntries, this.#capacity * 2);
    const keys = new Uint8Array(this.#capacity * this.keySize);
    keys.set(this.#keys);
    const values = new Uint8Array(this.#capacity * this.valueStride);
    values.set(this.#values);
    this.#keys = keys;
    this.#values = values;
    return true;
  }

  /** Batch read; undefined when the kernel does not support batch ops for this map. */
  #readBatch(): MapEntries | undefined {
    const lib = libbpf();
    let total = 0;
    let first = true;
    for (;;) {
      if (total === this.#capacity && !this.#grow()) break;
      const room = this.#capacity - total;
      this.#count[0] = room;
      const rc = lib.bpf_map_lookup_batch(
        this.fd,
        first ? null : this.#tokenIn,
        this.#tokenOut,
        this.#keys.subarray(total * this.keySize),
        this.#values.subarray(total * this.valueStride),
        this.#count,
        this.#opts,
      );
      const err = rc < 0 ? -rc : 0;
      if (err === ENOSPC && this.#count[0] === 0) {
        // One hash bucket holds more entries than fit: grow and retry from the same token.
        if (!this.#grow()) throw new BpfError(`bpf_map_lookup_batch ${this.name}`, err);
        continue;
      }
      if (first && (err === EINVAL || err === EOPNOTSUPP || err === ENOTSUPP) && total === 0) {
        this.batchSupported = false;
        return undefined;
      }
      if (err !== 0 && err !== ENOENT) {
        throw new BpfError(`bpf_map_lookup_batch ${this.name}`, err);
      }
      total += this.#count[0];
      if (err === ENOENT) break;
      first = false;
      const swap = this.#tokenIn;
      this.#tokenIn = this.#tokenOut;
      this.#tokenOut = swap;
    }
    return { count: total, keys: this.#keys, values: this.#values, valueStride: this.valueStride };
  }

  /** Key-by-key read for kernels or map types without batch lookups. */
  #readIterating(): MapEntries {
    const lib = libbpf();
    let total = 0;
    let prev: Uint8Array<ArrayBuffer> | null = null;
    const next = new Uint8Array(this.keySize);
    for (;;) {
      const rc = lib.bpf_map_get_next_key(this.fd, prev, next);
      if (rc === -ENOENT) break;
      if (rc < 0) throw new BpfError(`bpf_map_get_next_key ${this.name}`, -rc);
      if (total === this.#capacity && !this.#grow()) break;
      const key = this.#keys.subarray(total * this.keySize, (total + 1) * this.keySize);
      key.set(next);
      const value = this.#values.subarray(total * this.valueStride, (total + 1) * this.valueStride);
      const lookup = lib.bpf_map_lookup_elem(this.fd, key, value);
      prev = key;
      if (lookup === -ENOENT) continue; // deleted between the two calls
      if (lookup < 0) throw new BpfError(`bpf_map_lookup_elem ${this.name}`, -lookup);
      total++;
    }
    return { count: total, keys: this.#keys, values: this.#values, valueStride: this.valueStride };
  }
}
