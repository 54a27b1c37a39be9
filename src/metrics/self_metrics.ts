/**
 * The exporter's observations of itself (not in upstream): per config, how long the last scrape
 * spent collecting its metrics and how many series they produced; per map, how long its last read
 * took, how many entries it returned and, for hash maps, how full it is.
 *
 * Only the exporter command turns these on (`ExporterOptions.selfMetrics`): an `Exporter`
 * built without it serves exactly upstream's series.
 * @module
 */

import type { MapEntries, MapSource } from "../maps/source.ts";
import { MapType } from "../maps/source.ts";
import { LabelSet, type MetricFamily, type ScalarSeries, seriesCount } from "./family.ts";

/** A millisecond clock (`performance.now` by default; tests pass a fake). */
export type Clock = () => number;

/** Names of every self-observability family, as exported. */
export const SELF_METRIC_NAMES = [
  "ebpf_exporter_scrape_collector_duration_seconds",
  "ebpf_exporter_scrape_series",
  "ebpf_exporter_map_read_duration_seconds",
  "ebpf_exporter_map_entries",
  "ebpf_exporter_map_fill_ratio",
] as const;

/** Map types whose entries come and go, so that `entries / max_entries` says how full they are. */
const HASH_TYPES: ReadonlySet<number> = new Set([
  MapType.HASH,
  MapType.PERCPU_HASH,
  MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH,
]);

/** Whether a map of `type` gets `ebpf_exporter_map_fill_ratio` (arrays are always full). */
export function hasFillRatio(type: number): boolean {
  return HASH_TYPES.has(type);
}

/** What the last read of one map cost and returned. */
export interface MapReadStats {
  readonly config: string;
  readonly labels: LabelSet;
  /** `BPF_MAP_TYPE_*`. */
  readonly type: number;
  /** The map's capacity. */
  readonly maxEntries: number;
  /** Whether the map was read at least once. */
  read: boolean;
  seconds: number;
  entries: number;
}

/** A {@link MapSource} that times every read of the source it wraps. */
export class TimedMapSource implements MapSource {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly cpus: number;
  readonly #inner: MapSource;
  readonly #stats: MapReadStats;
  readonly #clock: Clock;

  /** Wraps `inner`; its reads are recorded in `stats`. */
  constructor(inner: MapSource, stats: MapReadStats, clock: Clock) {
    this.#inner = inner;
    this.#stats = stats;
    this.#clock = clock;
    this.name = inner.name;
    this.type = inner.type;
    this.keySize = inner.keySize;
    this.valueSize = inner.valueSize;
    this.maxEntries = inner.maxEntries;
    this.cpus = inner.cpus;
  }

  /** The wrapped map's descriptor. */
  get fd(): number | undefined {
    return this.#inner.fd;
  }

  /** Reads the wrapped map, recording the time taken and the entries returned. */
  read(): MapEntries {
    const started = this.#clock();
    const entries = this.#inner.read();
    this.#stats.seconds = seconds(this.#clock() - started);
    this.#stats.entries = entries.count;
    this.#stats.read = true;
    return entries;
  }
}

/** Milliseconds as seconds, rounded to the nanosecond (clock differences carry float noise). */
function seconds(ms: number): number {
  return Math.round(ms * 1e6) / 1e9;
}

/** Series in the text exposition of `family`: a histogram's buckets (+Inf too), sum and count. */
export function seriesIn(family: MetricFamily | undefined): number {
  if (!family) return 0;
  if (family.type === "histogram") return seriesCount(family) * (family.bounds.length + 3);
  return seriesCount(family);
}

/** Per-config scrape cost. */
interface ConfigStats {
  readonly labels: LabelSet;
  ms: number;
  series: number;
}

/** Collects the self-observability series of one exporter. */
export class SelfMetrics {
  /** The clock durations are measured with (milliseconds). */
  readonly clock: Clock;
  readonly #configs = new Map<string, ConfigStats>();
  readonly #maps: MapReadStats[] = [];

  /** Measures with `clock` (default `performance.now`). */
  constructor(clock: Clock = () => performance.now()) {
    this.clock = clock;
  }

  /** Registers a config, so that it has series from the first scrape (even with no maps). */
  addConfig(config: string): void {
    if (this.#configs.has(config)) return;
    this.#configs.set(config, { labels: LabelSet.of({ config }), ms: 0, series: 0 });
  }

  /** Wraps a map of `config` so that its reads are measured. */
  timed(config: string, source: MapSource): MapSource {
    this.addConfig(config);
    const stats: MapReadStats = {
      config,
      labels: LabelSet.of({ config, map: source.name }),
      type: source.type,
      maxEntries: source.maxEntries,
      read: false,
      seconds: 0,
      entries: 0,
    };
    this.#maps.push(stats);
    return new TimedMapSource(source, stats, this.clock);
  }

  /** Starts a scrape: every config's duration and series count start again from 0. */
  begin(): void {
    for (const stats of this.#configs.values()) {
      stats.ms = 0;
      stats.series = 0;
    }
  }

  /**
   * Adds one collector's work to `config`: the time since `started` (a {@link clock} reading) and
   * the series of the family it produced (none when it failed or had nothing).
   */
  collected(config: string, started: number, family: MetricFamily | undefined): void {
    const stats = this.#configs.get(config);
    if (!stats) return;
    stats.ms += this.clock() - started;
    stats.series += seriesIn(family);
  }

  /** The families describing the scrape so far (call after every collector ran). */
  families(): MetricFamily[] {
    const configs = [...this.#configs.values()];
    const read = this.#maps.filter((m) => m.read);
    const fill: ScalarSeries[] = read
      .filter((m) => hasFillRatio(m.type) && m.maxEntries > 0)
      .map((m) => ({ labels: m.labels, value: m.entries / m.maxEntries }));
    return [
      {
        name: "ebpf_exporter_scrape_collector_duration_seconds",
        help: "Time the last scrape spent reading and decoding the maps of a config",
        type: "gauge",
        series: configs.map((c) => ({ labels: c.labels, value: seconds(c.ms) })),
      },
      {
        name: "ebpf_exporter_scrape_series",
        help:
          "Series the metrics of a config produced in the last scrape (a histogram counts each bucket, its sum and its count)",
        type: "gauge",
        series: configs.map((c) => ({ labels: c.labels, value: c.series })),
      },
      {
        name: "ebpf_exporter_map_read_duration_seconds",
        help: "Time the last read of a map took (batch lookup or key iteration)",
        type: "gauge",
        series: read.map((m) => ({ labels: m.labels, value: m.seconds })),
      },
      {
        name: "ebpf_exporter_map_entries",
        help: "Entries the last read of a map returned",
        type: "gauge",
        series: read.map((m) => ({ labels: m.labels, value: m.entries })),
      },
      {
        name: "ebpf_exporter_map_fill_ratio",
        help:
          "Entries of a hash map over its max_entries at the last read (at 1, new keys are dropped, or evicted for LRU maps)",
        type: "gauge",
        series: fill,
      },
    ];
  }
}
