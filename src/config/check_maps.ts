/**
 * Checks a config against the maps of its BPF object (compat.md §1, §3, §6, §6b), before any map
 * is read. Pure: the caller lists the object's maps; nothing is opened here.
 * @module
 */

import { ConfigError } from "./errors.ts";
import type { Config, LabelConfig } from "./types.ts";
import { cpuLabelIndex, isPerCpuMapType, MapType } from "../maps/source.ts";

/** What the check needs to know about one map of the object. */
export interface MapInfo {
  /** Kernel map type (`BPF_MAP_TYPE_*` number, see {@link MapType}). */
  readonly type: number;
  /** Key size in bytes. */
  readonly keySize: number;
  /** Value size in bytes (per CPU for per-CPU maps). */
  readonly valueSize: number;
}

/** Map types a counter or histogram can be read from with lookups. */
const READABLE_TYPES: ReadonlySet<number> = new Set([
  MapType.HASH,
  MapType.ARRAY,
  MapType.PERCPU_HASH,
  MapType.PERCPU_ARRAY,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
]);

const TYPE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(MapType).map(([name, type]) => [type, name]),
);

/** `PERCPU_HASH (5)` for known types, `type 17` otherwise. */
export function describeMapType(type: number): string {
  const name = TYPE_NAMES.get(type);
  return name === undefined ? `type ${type}` : `${name} (${type})`;
}

/** Bytes of key the labels consume: the sum of `size + padding`. */
export function labelsKeySize(labels: readonly LabelConfig[]): number {
  return labels.reduce((total, label) => total + label.size + label.padding, 0);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Throws a {@link ConfigError} unless every counter, histogram, span and the cgroup_id_map of
 * `config` has a fitting map in `maps` (keyed by map name):
 * - the map exists (the message lists the maps the object has);
 * - counters and histograms: a lookup-able map type, key size equal to the labels' total
 *   `size + padding` (4 bytes, the u32 0 of an ARRAY, when there are no labels), u64 values
 *   (8 bytes; per-CPU maps have 8 per CPU). On a per-CPU map a counter's last label named `cpu`
 *   (size 2) is the CPU index and not part of the key;
 * - `perf_event_array` counters: a PERF_EVENT_ARRAY map (its key and value sizes do not matter);
 * - spans: a RINGBUF map;
 * - cgroup_id_map: a HASH with u64 keys and values, or a CGRP_STORAGE map with u64 values.
 */
export function checkConfigMaps(config: Config, maps: ReadonlyMap<string, MapInfo>): void {
  const file = config.yamlPath;

  const lookup = (name: string, keyPath: string, line: number | undefined): MapInfo => {
    const info = maps.get(name);
    if (info !== undefined) return info;
    const names = [...maps.keys()].sort();
    const close = names.filter((candidate) => editDistance(candidate, name) <= 2);
    let found = names.length === 0
      ? `an object with no maps`
      : `maps ${names.map((n) => JSON.stringify(n)).join(", ")}`;
    if (close.length > 0) found += ` (did you mean ${JSON.stringify(close[0])}?)`;
    throw new ConfigError({
      file,
      keyPath,
      line,
      expected: `expected a map named ${JSON.stringify(name)} in ${config.objectPath}`,
      found,
    });
  };

  const checkReadable = (
    name: string,
    labels: readonly LabelConfig[],
    info: MapInfo,
    keyPath: string,
    line: number | undefined,
    kind: "counter" | "histogram",
  ): void => {
    if (!READABLE_TYPES.has(info.type)) {
      let expected = `expected map ${JSON.stringify(name)} to be a hash or array map`;
      if (info.type === MapType.PERF_EVENT_ARRAY && kind === "counter") {
        expected += " (or set perf_event_array: true for a PERF_EVENT_ARRAY)";
      }
      throw new ConfigError({
        file,
        keyPath,
        line,
        expected,
        found: describeMapType(info.type),
      });
    }
    // On a per-CPU map a `cpu` label is filled from the CPU index, not the key: the last label of
    // a counter, the label just before the bucket label of a histogram.
    let keyLabels = labels;
    const cpuIndex = cpuLabelIndex(kind, labels.length);
    const cpuLabel = cpuIndex >= 0 ? labels[cpuIndex] : undefined;
    if (isPerCpuMapType(info.type) && cpuLabel?.name === "cpu") {
      if (cpuLabel.size !== 2) {
        throw new ConfigError({
          file,
          keyPath: `${keyPath}.labels[${cpuIndex}].size`,
          line,
          expected: "expected the cpu label of a per-CPU map to be size 2 (a u16 CPU index)",
          found: String(cpuLabel.size),
        });
      }
      keyLabels = labels.filter((_, i) => i !== cpuIndex);
    }
    const wanted = keyLabels.length === 0 ? 4 : labelsKeySize(keyLabels);
    if (info.keySize !== wanted) {
      const cpuNote = keyLabels === labels ? "" : " without the cpu label";
      const labelsText = keyLabels.length === 0
        ? `no labels${cpuNote} read the single key u32 0 (4 bytes)`
        : `labels${cpuNote} add up to ${wanted} bytes (size+padding)`;
      throw new ConfigError({
        file,
        keyPath,
        line,
        expected: `expected the key size of map ${JSON.stringify(name)} to match the labels`,
        found: `${labelsText}, map key is ${info.keySize} bytes`,
      });
    }
    if (info.valueSize !== 8) {
      const perCpu = isPerCpuMapType(info.type) ? " per CPU" : "";
      throw new ConfigError({
        file,
        keyPath,
        line,
        expected: `map value must be u64 (8 bytes${perCpu})`,
        found: String(info.valueSize),
      });
    }
  };

  config.counters.forEach((counter, i) => {
    const keyPath = `metrics.counters[${i}]`;
    const info = lookup(counter.name, keyPath, counter.line);
    if (counter.perfEventArray) {
      if (info.type !== MapType.PERF_EVENT_ARRAY) {
        throw new ConfigError({
          file,
          keyPath,
          line: counter.line,
          expected: `expected map ${
            JSON.stringify(counter.name)
          } to be a PERF_EVENT_ARRAY (4) for perf_event_array: true`,
          found: describeMapType(info.type),
        });
      }
      return;
    }
    checkReadable(counter.name, counter.labels, info, keyPath, counter.line, "counter");
  });

  config.histograms.forEach((histogram, i) => {
    const keyPath = `metrics.histograms[${i}]`;
    const info = lookup(histogram.name, keyPath, histogram.line);
    checkReadable(histogram.name, histogram.labels, info, keyPath, histogram.line, "histogram");
  });

  config.spans.forEach((span, i) => {
    const keyPath = `tracing.spans[${i}]`;
    const info = lookup(span.ringbuf, keyPath, undefined);
    if (info.type !== MapType.RINGBUF) {
      throw new ConfigError({
        file,
        keyPath,
        expected: `expected map ${JSON.stringify(span.ringbuf)} to be a RINGBUF (27)`,
        found: describeMapType(info.type),
      });
    }
  });

  const cgroup = config.cgroupIdMap;
  if (cgroup !== undefined) {
    const keyPath = "cgroup_id_map";
    const info = lookup(cgroup.name, keyPath, undefined);
    const wantedType = cgroup.type === "hash" ? MapType.HASH : MapType.CGRP_STORAGE;
    if (info.type !== wantedType) {
      throw new ConfigError({
        file,
        keyPath,
        expected: `expected map ${JSON.stringify(cgroup.name)} to be a ${
          describeMapType(wantedType)
        } for type: ${cgroup.type}`,
        found: describeMapType(info.type),
      });
    }
    if (cgroup.type === "hash" && info.keySize !== 8) {
      throw new ConfigError({
        file,
        keyPath,
        expected: "map key must be a u64 cgroup id (8 bytes)",
        found: String(info.keySize),
      });
    }
    if (info.valueSize !== 8) {
      throw new ConfigError({
        file,
        keyPath,
        expected: "map value must be u64 (8 bytes)",
        found: String(info.valueSize),
      });
    }
  }
}
