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
import type { MetricFamily } from "./metrics/family.ts";
import { normalizeFamilies } from "./metrics/gather.ts";
import { HistogramCollector } from "./metrics/histograms.ts";

/** Exporter settings. */
export interface ExporterOptions {
  /** Most decoded keys cached per metric (`--config.cache-size`; 0 = default). */
  readonly cacheSize?: number;
  /** Most dropped keys remembered per metric (`--config.skip-cache-size`; 0 = default). */
  readonly skipCacheSize?: number;
  /** Whether program run statistics are exported (kernel.bpf_stats_enabled = 1). */
  readonly programStats?: () => boolean;
}

/** Default bound of the decoded-key cache per metric. */
export const DEFAULT_CACHE_SIZE = 4_000_000;
/** Default bound of the dropped-key cache per metric. */
export const DEFAULT_SKIP_CACHE_SIZE = 1_000_000;

type Collector = CounterCollector | HistogramCollector;

/** Collects every config's metrics. */
export class Exporter {
  readonly #loaded: readonly LoadedConfig[];
  readonly #collectors: Collector[] = [];
  readonly #errors = new Map<string, DecodeErrorCounter>();
  readonly #static: MetricFamily[];
  readonly #programStats: () => boolean;
  readonly #env: DecoderEnv;
  #inflight: Promise<MetricFamily[]> | undefined;

  /** Builds collectors; throws (naming config and metric) on a bad decoder config or map. */
  constructor(loaded: readonly LoadedConfig[], env: DecoderEnv, options: ExporterOptions = {}) {
    this.#loaded = loaded;
    this.#env = env;
    this.#static = staticFamilies(loaded);
    this.#programStats = options.programStats ?? (() => false);
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
      const build = <T>(kind: string, name: string, make: () => T): T => {
        try {
          return make();
        } catch (e) {
          throw new Error(`config ${l.config.name}: ${kind} ${name}: ${(e as Error).message}`);
        }
      };
      for (const c of l.config.counters) {
        if (c.perfEventArray) continue; // event streams are collected elsewhere
        this.#collectors.push(
          build(
            "counter",
            c.name,
            () => new CounterCollector(c, l.mapSource(c.name), env, errors, cacheLimits),
          ),
        );
      }
      for (const h of l.config.histograms) {
        this.#collectors.push(
          build(
            "histogram",
            h.name,
            () => new HistogramCollector(h, l.mapSource(h.name), env, errors, cacheLimits),
          ),
        );
      }
    }
  }

  /** The loaded configs. */
  get loaded(): readonly LoadedConfig[] {
    return this.#loaded;
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
    this.#env.cgroups?.poll?.();
    const families: MetricFamily[] = [...this.#static, attachedFamily(this.#loaded)];
    for (const collector of this.#collectors) {
      try {
        const family = collector.collect();
        if (family) families.push(family);
      } catch (e) {
        log.warn(`reading map ${collector.source.name}: ${(e as Error).message}`);
      }
    }
    families.push(decoderErrorsFamily(this.#errors));
    if (this.#programStats()) families.push(...programStatsFamilies(this.#loaded));
    return normalizeFamilies(families);
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
