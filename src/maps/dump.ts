/**
 * `/maps` (under `--debug`): every map of every config with raw keys, decoded labels and values,
 * as text or JSON. The JSON is replayable (`--maps.replay`): it carries the map shapes and raw
 * contents, the programs, and every host lookup (kernel symbols, devices, ...) the decoders made,
 * so the same configs render the same series on a machine without that kernel.
 * @module
 */

import type { LoadedConfig } from "../bpf/loaded_config.ts";
import type { ProgramState } from "../bpf/object.ts";
import type { Config, LabelConfig } from "../config/types.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { KeyDecoder } from "../decoders/key_decoder.ts";
import { KeyIterator } from "../metrics/key_iterator.ts";
import { VERSION } from "../version.ts";
import { type HostTable, recordingEnv } from "./host_table.ts";
import { cpuLabelIndex, type MapSource, valueStride } from "./source.ts";

/** Marks a JSON document as a maps dump. */
export const DUMP_FORMAT = "ebpf_exporter_maps_dump";
/** Version of the dump layout. */
export const DUMP_VERSION = 1;

/** One key of a map. */
export interface DumpEntry {
  /** Raw key bytes as lowercase hex. */
  key: string;
  /** u64 value per CPU (one for non-per-CPU maps), as decimal text. */
  values: string[];
  /** Decoded labels by name (per-CPU `cpu` labels left out), or null when a decoder dropped it. */
  labels?: Record<string, string> | null;
  /** Why the key could not be decoded. */
  error?: string;
}

/** One map with its shape and contents. */
export interface DumpMap {
  /** Map (and metric) name. */
  name: string;
  /** Which kind of metric reads it. */
  metric: "counter" | "histogram";
  /** `BPF_MAP_TYPE_*`. */
  type: number;
  /** Key size in bytes. */
  key_size: number;
  /** Value size in bytes per CPU. */
  value_size: number;
  /** Maximum entries. */
  max_entries: number;
  /** Values per key. */
  cpus: number;
  /** Every key. */
  entries: DumpEntry[];
}

/** One config's programs and maps. */
export interface DumpConfig {
  /** Config name. */
  name: string;
  /** Programs and their attach state. */
  programs: ProgramState[];
  /** Every map a counter or histogram reads. */
  maps: DumpMap[];
}

/** The whole dump. */
export interface MapsDump {
  /** Always {@link DUMP_FORMAT}. */
  format: string;
  /** Always {@link DUMP_VERSION}. */
  version: number;
  /** Exporter version that wrote it. */
  exporter: string;
  /** Configs in load order. */
  configs: DumpConfig[];
  /** Host lookups made while decoding. */
  host: HostTable;
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Reads every map of every loaded config and decodes each key afresh (no caches). */
export function dumpMaps(loaded: readonly LoadedConfig[], env: DecoderEnv): MapsDump {
  const recorder = recordingEnv(env);
  const configs = loaded.map((l) => ({
    name: l.config.name,
    programs: l.programs.map((p) => ({ ...p })),
    maps: metricsOf(l.config).map(({ name, kind, labels }) =>
      dumpMap(name, kind, labels, l.mapSource(name), recorder.env)
    ),
  }));
  return {
    format: DUMP_FORMAT,
    version: DUMP_VERSION,
    exporter: VERSION.version,
    configs,
    host: recorder.table,
  };
}

function metricsOf(config: Config) {
  return [
    ...config.counters.filter((c) => !c.perfEventArray).map((c) => ({
      name: c.name,
      kind: "counter" as const,
      labels: c.labels,
    })),
    ...config.histograms.map((h) => ({
      name: h.name,
      kind: "histogram" as const,
      labels: h.labels,
    })),
  ];
}

function dumpMap(
  name: string,
  kind: "counter" | "histogram",
  labels: readonly LabelConfig[],
  source: MapSource,
  env: DecoderEnv,
): DumpMap {
  const decoder = new KeyDecoder(labels, env);
  const cpuLabel = cpuLabelIndex(kind, labels.length);
  const iterator = new KeyIterator(decoder, source, cpuLabel);
  const entries = source.read();
  const view = new DataView(entries.values.buffer, entries.values.byteOffset);
  // One CPU's slot (only CPU 0 is read when there is one value per key).
  const slot = valueStride(source.type, source.valueSize, 1);
  const out: DumpEntry[] = [];
  const cpuIndex = iterator.splitCpus ? cpuLabel : -1;
  for (let i = 0; i < entries.count; i++) {
    const key = entries.keys.slice(i * source.keySize, (i + 1) * source.keySize);
    const values: string[] = [];
    for (let cpu = 0; cpu < source.cpus; cpu++) {
      values.push(view.getBigUint64(i * entries.valueStride + cpu * slot, true).toString());
    }
    const entry: DumpEntry = { key: hex(key), values };
    // Decode the key as the collectors see it (CPU 0 for per-CPU splits, whose cpu label is left out).
    let decodedKey: Uint8Array | undefined;
    iterator.forEach(
      { count: 1, keys: key, values: entries.values, valueStride: 0 },
      (_, __, cpu) => {
        if (cpu <= 0) decodedKey ??= iterator.currentKey().slice();
      },
    );
    if (decodedKey) {
      try {
        const decoded = decoder.decode(decodedKey);
        entry.labels = decoded === null ? null : Object.fromEntries(
          decoded.map((v, j) => [decoder.names[j], v] as const).filter((_, j) => j !== cpuIndex),
        );
      } catch (e) {
        entry.error = (e as Error).message;
      }
    }
    out.push(entry);
  }
  return {
    name,
    metric: kind,
    type: source.type,
    key_size: source.keySize,
    value_size: source.valueSize,
    max_entries: source.maxEntries,
    cpus: source.cpus,
    entries: out,
  };
}

/** The dump as text, one map after another, one key per line. */
export function renderDumpText(dump: MapsDump): string {
  const lines: string[] = [];
  for (const config of dump.configs) {
    lines.push(`config ${config.name}`);
    for (const p of config.programs) {
      lines.push(
        `  program ${p.name} (${p.section}) id=${p.id} tag=${p.tag} attached=${p.attached}`,
      );
    }
    for (const map of config.maps) {
      lines.push(
        `  map ${map.name} (${map.metric}, type ${map.type}, key ${map.key_size} bytes, value ${map.value_size} bytes, ${map.entries.length}/${map.max_entries} entries, ${map.cpus} cpu values)`,
      );
      for (const e of map.entries) {
        const labels = e.error !== undefined
          ? `error: ${e.error}`
          : e.labels === null
          ? "dropped"
          : e.labels === undefined
          ? "skipped"
          : `{${Object.entries(e.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
        const value = e.values.length === 1 ? e.values[0] : `[${e.values.join(", ")}]`;
        lines.push(`    ${e.key} ${labels} ${value}`);
      }
    }
  }
  return lines.join("\n") + "\n";
}
