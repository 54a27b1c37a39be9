/**
 * The exporter core: collectors for every metric of every loaded config, plus the built-in series,
 * gathered into sorted families on each scrape. Concurrent scrapes share one collection.
 * @module
 */

import type { LoadedConfig } from "./bpf/loaded_config.ts";
import type { DecoderEnv } from "./decoders/decoder.ts";
import * as log from "./log.ts";
import { dumpMaps, type MapsDump } from "./maps/dump.ts";
import {
  attachedFamily,
  decoderErrorsFamily,
  programStatsFamilies,
  staticFamilies,
} from "./metrics/builtin.ts";
import { CounterCollector, type DecodeErrorCounter } from "./metrics/counters.ts";
import { LabelSet, type MetricFamily } from "./metrics/family.ts";
import { normalizeFamilies } from "./metrics/gather.ts";
import { HistogramCollector } from "./metrics/histograms.ts";
import { PerfEventCounter } from "./metrics/perf_event_counters.ts";
import { type Clock, SelfMetrics } from "./metrics/self_metrics.ts";
import type { EventSink } from "./events/streams.ts";
import { HOST_SPAN_CLOCK } from "./tracing/clock.ts";
import { type SpanClock, SpanSink, type SpanTarget } from "./tracing/spans.ts";

/** Exporter settings. */
export interface ExporterOptions {
  /** Most decoded keys cached per metric (`--config.cache-size`; 0 = default). */
  readonly cacheSize?: number;
  /** Most dropped keys remembered per metric (`--config.skip-cache-size`; 0 = default). */
  readonly skipCacheSize?: number;
  /** Whether program run statistics are exported (kernel.bpf_stats_enabled = 1). */
  readonly programStats?: () => boolean;
  /** Where spans of `tracing.spans` go (none: records are decoded and dropped). */
  readonly spans?: SpanTarget;
  /** Clocks for span timestamps (default: the host's, through libc). */
  readonly spanClock?: SpanClock;
  /**
   * Export the exporter's own scrape and map-read series (`src/metrics/self_metrics.ts`; not in
   * upstream). The command turns this on; off, the series are exactly upstream's.
   */
  readonly selfMetrics?: boolean;
  /** Millisecond clock the self-observability durations are measured with (tests). */
  readonly selfMetricsClock?: Clock;
}

/** A perf_event_array counter and the config it belongs to. */
interface PerfCounterEntry {
  readonly loaded: LoadedConfig;
  readonly counter: PerfEventCounter;
}

/** A span config's sink and the config it belongs to. */
interface SpanEntry {
  readonly loaded: LoadedConfig;
  readonly sink: SpanSink;
}

/** Default bound of the decoded-key cache per metric. */
export const DEFAULT_CACHE_SIZE = 4_000_000;
/** Default bound of the dropped-key cache per metric. */
export const DEFAULT_SKIP_CACHE_SIZE = 1_000_000;

type Collector = CounterCollector | HistogramCollector;

/** A collector and the config it belongs to. */
interface CollectorEntry {
  readonly config: string;
  readonly collector: Collector;
}

/** Collects every config's metrics. */
export class Exporter {
  readonly #loaded: readonly LoadedConfig[];
  readonly #collectors: CollectorEntry[] = [];
  readonly #perfCounters: PerfCounterEntry[] = [];
  readonly #spans: SpanEntry[] = [];
  readonly #errors = new Map<string, DecodeErrorCounter>();
  readonly #static: MetricFamily[];
  readonly #programStats: () => boolean;
  readonly #env: DecoderEnv;
  readonly #self: SelfMetrics | undefined;
  #inflight: Promise<MetricFamily[]> | undefined;

  /** Builds collectors; throws (naming config and metric) on a bad decoder config or map. */
  constructor(loaded: readonly LoadedConfig[], env: DecoderEnv, options: ExporterOptions = {}) {
    this.#loaded = loaded;
    this.#env = env;
    this.#static = staticFamilies(loaded);
    this.#programStats = options.programStats ?? (() => false);
    this.#self = options.selfMetrics ? new SelfMetrics(options.selfMetricsClock) : undefined;
    const cacheLimits = {
      decoded: options.cacheSize || DEFAULT_CACHE_SIZE,
      skipped: options.skipCacheSize || DEFAULT_SKIP_CACHE_SIZE,
    };
    for (const l of loaded) {
      const errors: DecodeErrorCounter = {
        count: 0,
        report: (metric, e) =>
          log.debug(`config ${l.config.name}, metric ${metric}: ${(e as Error).message}`),
      };
      this.#errors.set(l.config.name, errors);
      this.#self?.addConfig(l.config.name);
      const source = (name: string) => {
        const s = l.mapSource(name);
        return this.#self ? this.#self.timed(l.config.name, s) : s;
      };
      const build = <T>(kind: string, name: string, make: () => T): T => {
        try {
          return make();
        } catch (e) {
          throw new Error(`config ${l.config.name}: ${kind} ${name}: ${(e as Error).message}`);
        }
      };
      for (const c of l.config.counters) {
        if (c.perfEventArray) {
          this.#perfCounters.push({
            loaded: l,
            counter: build(
              "counter",
              c.name,
              () => new PerfEventCounter(c, env, errors, cacheLimits),
            ),
          });
          continue;
        }
        this.#collectors.push({
          config: l.config.name,
          collector: build(
            "counter",
            c.name,
            () => new CounterCollector(c, source(c.name), env, errors, cacheLimits),
          ),
        });
      }
      for (const h of l.config.histograms) {
        this.#collectors.push({
          config: l.config.name,
          collector: build(
            "histogram",
            h.name,
            () => new HistogramCollector(h, source(h.name), env, errors, cacheLimits),
          ),
        });
      }
      for (const span of l.config.spans) {
        this.#spans.push({
          loaded: l,
          sink: build(
            "tracing.spans ringbuf",
            span.ringbuf,
            () =>
              new SpanSink(
                span,
                l.config.name,
                env,
                errors,
                options.spans,
                options.spanClock ?? HOST_SPAN_CLOCK,
              ),
          ),
        });
      }
    }
  }

  /** The loaded configs. */
  get loaded(): readonly LoadedConfig[] {
    return this.#loaded;
  }

  /**
   * The perf_event_array and ring buffer maps to consume, with where their records go. For
   * configs loaded in the kernel only: a replayed dump has no event maps (the command opens no
   * streams then). Throws when a config has no such map.
   */
  eventSinks(): EventSink[] {
    const sinks: EventSink[] = [];
    for (const { loaded, counter } of this.#perfCounters) {
      sinks.push({
        config: loaded.config.name,
        kind: "perf_event_array",
        source: loaded.mapSource(counter.config.name),
        begin: () => counter.tick(),
        record: (raw) => counter.record(raw),
        lost: (count) => counter.lost(count),
      });
    }
    for (const { loaded, sink } of this.#spans) {
      sinks.push({
        config: loaded.config.name,
        kind: "ringbuf",
        source: loaded.mapSource(sink.config.ringbuf),
        begin: () => sink.begin(),
        record: (raw) => sink.record(raw),
      });
    }
    return sinks;
  }

  /** Collects now; a scrape arriving while one runs gets the same result. */
  gather(): Promise<MetricFamily[]> {
    this.#inflight ??= Promise.resolve().then(() => this.collect()).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** Collects synchronously: every map read once, families sorted like the Go client's. */
  collect(): MetricFamily[] {
    this.tick();
    const families: MetricFamily[] = [...this.#static, attachedFamily(this.#loaded)];
    const self = this.#self;
    self?.begin();
    for (const { config, collector } of this.#collectors) {
      const started = self ? self.clock() : 0;
      let family: MetricFamily | undefined;
      try {
        family = collector.collect();
        if (family) families.push(family);
      } catch (e) {
        log.warn(`reading map ${collector.source.name}: ${(e as Error).message}`);
      }
      self?.collected(config, started, family);
    }
    for (const { loaded, counter } of this.#perfCounters) {
      const started = self ? self.clock() : 0;
      const family = counter.collect();
      if (family) families.push(family);
      self?.collected(loaded.config.name, started, family);
    }
    if (this.#perfCounters.length > 0) families.push(this.#lostFamily());
    families.push(decoderErrorsFamily(this.#errors));
    if (this.#programStats()) families.push(...programStatsFamilies(this.#loaded));
    if (self) families.push(...self.families());
    return normalizeFamilies(families);
  }

  /** Samples dropped by full perf buffers, per perf_event_array counter (not in upstream). */
  #lostFamily(): MetricFamily {
    return {
      name: "ebpf_exporter_perf_event_array_lost_total",
      help: "Events of perf_event_array maps the kernel dropped because a perf buffer was full",
      type: "counter",
      series: this.#perfCounters.map(({ loaded, counter }) => ({
        labels: LabelSet.of({ config: loaded.config.name, map: counter.config.name }),
        value: counter.lostTotal,
      })),
    };
  }

  /** Applies pending cgroup changes and runs each config's upkeep (called every second too). */
  tick(): void {
    this.#env.cgroups?.poll?.();
    for (const l of this.#loaded) {
      try {
        l.tick?.();
      } catch (e) {
        log.warn(`config ${l.config.name}: ${(e as Error).message}`);
      }
    }
  }

  /** Every map of every config, freshly read and decoded (`/maps`). */
  dumpMaps(): MapsDump {
    return dumpMaps(this.#loaded, this.#env);
  }

  /** Detaches and closes every config. */
  close(): void {
    for (const l of this.#loaded) l.close();
    this.#env.cgroups?.close?.();
  }
}
