/**
 * The seam between "read a BPF map" and "turn its entries into series".
 *
 * The kernel reader (`src/bpf/map_reader.ts`), the in-memory fake used by tests and the replay of a
 * `/maps` dump all implement {@link MapSource}; the collector only sees {@link MapEntries}.
 * @module
 */

/** A snapshot of a map's contents: `count` keys and values packed back to back. */
export interface MapEntries {
  /** Number of valid entries. */
  readonly count: number;
  /** `count * keySize` bytes of keys (the buffer may be longer; it can be reused by the source). */
  readonly keys: Uint8Array;
  /**
   * `count * valueStride` bytes of values. For per-CPU maps each entry holds `cpus` slots of
   * `roundup(valueSize, 8)` bytes.
   */
  readonly values: Uint8Array;
  /** Bytes between the starts of two consecutive entries' values. */
  readonly valueStride: number;
}

/** A readable BPF map, real or fake. */
export interface MapSource {
  /** Map name as in the object. */
  readonly name: string;
  /** Kernel map type (`BPF_MAP_TYPE_*` number). */
  readonly type: number;
  /** Key size in bytes. */
  readonly keySize: number;
  /** Value size in bytes (per CPU for per-CPU maps). */
  readonly valueSize: number;
  /** Maximum number of entries. */
  readonly maxEntries: number;
  /** Values per key: the number of possible CPUs for per-CPU maps, else 1. */
  readonly cpus: number;
  /** The kernel map's file descriptor (kernel maps only): event streams read perf/ring buffers. */
  readonly fd?: number;
  /**
   * Reads every entry. The returned buffers may be reused by the next call: consume them before
   * reading again.
   */
  read(): MapEntries;
}

/** `BPF_MAP_TYPE_*` numbers the exporter cares about (linux/bpf.h). */
export const MapType = {
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  RINGBUF: 27,
  CGRP_STORAGE: 32,
} as const;

/** True for map types whose lookups return one value per possible CPU. */
export function isPerCpuMapType(type: number): boolean {
  return type === MapType.PERCPU_HASH || type === MapType.PERCPU_ARRAY ||
    type === MapType.LRU_PERCPU_HASH;
}

/**
 * Bytes between two entries' values: per-CPU maps hold `cpus` slots of `valueSize` rounded up to
 * 8 bytes, other maps one value of `valueSize` bytes.
 */
export function valueStride(type: number, valueSize: number, cpus: number): number {
  return isPerCpuMapType(type) ? Math.ceil(valueSize / 8) * 8 * cpus : valueSize;
}

/**
 * Where a per-CPU map's `cpu` label may stand among `labelCount` labels (compat.md §6): the last
 * label of a counter, the one just before the bucket label of a histogram. Negative when there is
 * no such place.
 */
export function cpuLabelIndex(kind: "counter" | "histogram", labelCount: number): number {
  return kind === "counter" ? labelCount - 1 : labelCount - 2;
}
