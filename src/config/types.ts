/**
 * Typed, validated form of a `NAME.yaml` config (compat.md §3).
 *
 * The loader (`load.ts`) produces these; everything downstream works on them and never on raw YAML.
 * @module
 */

/** One step of a label's decoder chain, e.g. `{name: "static_map", static_map: {...}}`. */
export interface DecoderConfig {
  /** Decoder name as written in the YAML (`uint`, `ksym`, `static_map`, ...). */
  readonly name: string;
  /** `static_map` only: source-text keys to source-text values. */
  readonly staticMap?: ReadonlyMap<string, string>;
  /** `static_map` only: pass unknown input through instead of `unknown:<text>`. */
  readonly allowUnknown?: boolean;
  /** `regexp` only: patterns tried in order. */
  readonly regexps?: readonly string[];
}

/** One label: a slice of the map key and the decoders that turn it into text. */
export interface LabelConfig {
  /** Label name as exported. */
  readonly name: string;
  /** Bytes of the key this label consumes. */
  readonly size: number;
  /** Bytes skipped after the label. */
  readonly padding: number;
  /** Decoder chain; each step's output is the next one's input. */
  readonly decoders: readonly DecoderConfig[];
}

/** A counter read from the map of the same name. */
export interface CounterConfig {
  /** Metric and map name (exported with the `ebpf_exporter_` prefix). */
  readonly name: string;
  /** HELP text. */
  readonly help: string;
  /** The map is a PERF_EVENT_ARRAY whose events each count +1. */
  readonly perfEventArray: boolean;
  /** perf_event_array only: reset counts this often (milliseconds). */
  readonly flushIntervalMs: number;
  /** Labels in key order. */
  readonly labels: readonly LabelConfig[];
  /** 1-based line of the entry in the YAML file, for messages. */
  readonly line?: number;
}

/** Bucket layouts of compat.md §5. */
export type BucketType = "exp2" | "exp2zero" | "linear" | "fixed";

/** A histogram read from the map of the same name; the last label is the bucket key. */
export interface HistogramConfig {
  /** Metric and map name. */
  readonly name: string;
  /** HELP text. */
  readonly help: string;
  /** How bucket keys map to upper bounds. */
  readonly bucketType: BucketType;
  /** First bucket key (inclusive). */
  readonly bucketMin: number;
  /** Last bucket key (inclusive); key `bucketMax + 1` holds the sum. */
  readonly bucketMax: number;
  /** Factor applied to every bound and to the sum. */
  readonly bucketMultiplier: number;
  /** `fixed` only: the bucket keys, ascending. */
  readonly bucketKeys: readonly number[];
  /** Labels in key order; the last one is the bucket key and is not exported. */
  readonly labels: readonly LabelConfig[];
  /** 1-based line of the entry in the YAML file, for messages. */
  readonly line?: number;
}

/** A ring buffer turned into OpenTelemetry spans (kept as parsed for a later stage). */
export interface SpanConfig {
  /** Ring buffer map name. */
  readonly ringbuf: string;
  /** Span name when there is no `span_name` label. */
  readonly name: string;
  /** `service.name` of the resource. */
  readonly service: string;
  /** Labels in record order. */
  readonly labels: readonly LabelConfig[];
}

/** `cgroup_id_map` section. */
export interface CgroupIdMapConfig {
  /** BPF map the exporter keeps filled. */
  readonly name: string;
  /** `hash` or `cgrp_storage`. */
  readonly type: "hash" | "cgrp_storage";
  /** Cgroup path patterns. */
  readonly regexps: readonly string[];
}

/** A whole config: `NAME.yaml` plus where its object lives. */
export interface Config {
  /** Config name (`timers` for `timers.yaml`). */
  readonly name: string;
  /** Path of the YAML file, for messages. */
  readonly yamlPath: string;
  /** Path of the compiled object `NAME.bpf.o`. */
  readonly objectPath: string;
  /** Counters in file order. */
  readonly counters: readonly CounterConfig[];
  /** Histograms in file order. */
  readonly histograms: readonly HistogramConfig[];
  /** Ring-buffer spans. */
  readonly spans: readonly SpanConfig[];
  /** Kernel symbols to write into `kaddr_<sym>` globals before load. */
  readonly kaddrs: readonly string[];
  /** Optional cgroup filter map. */
  readonly cgroupIdMap?: CgroupIdMapConfig;
}
