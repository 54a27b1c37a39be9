/**
 * Start-up warm-up of the scrape path. A JIT runs new code slowly until it has seen it run: the
 * first scrape after start would otherwise pay for compiling the collectors, the label and key
 * tables, the byte encoders and the handler's streaming, on top of decoding every key once. So
 * before serving, the exporter scrapes a synthetic in-memory map of a few thousand keys through a
 * throwaway collector and handler. Nothing of it is kept: no real map is read, no cache is
 * filled, and the real collectors start empty.
 * @module
 */

import type {
  CounterConfig,
  DecoderConfig,
  HistogramConfig,
  LabelConfig,
} from "../config/types.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { createHandler } from "../http/handler.ts";
import { type MapEntries, type MapSource, MapType } from "../maps/source.ts";
import { CounterCollector } from "../metrics/counters.ts";
import type { MetricFamily } from "../metrics/family.ts";
import { HistogramCollector } from "../metrics/histograms.ts";

/** Keys of the synthetic counter map (the histogram map has a tenth as many groups of 10). */
export const WARM_UP_KEYS = 5000;
const SCRAPES = 3;

function label(name: string, size: number, padding = 0, staticMap?: string[]): LabelConfig {
  const decoders: DecoderConfig[] = [{ name: "uint" }];
  if (staticMap) {
    decoders.push({ name: "static_map", staticMap: new Map(staticMap.map((v, i) => [`${i}`, v])) });
  }
  return { name, size, padding, decoders };
}

/** A hash map held in two buffers. */
function memoryMap(name: string, keySize: number, entries: MapEntries): MapSource {
  return {
    name,
    type: MapType.HASH,
    keySize,
    valueSize: 8,
    maxEntries: entries.count,
    cpus: 1,
    read: () => entries,
  };
}

/** Synthetic keys {u32 id; u8 kind; 3 pad; u64 cookie}, value 1..n. */
function counterEntries(count: number): MapEntries {
  const keys = new Uint8Array(count * 16);
  const view = new DataView(keys.buffer);
  const values = new Uint8Array(count * 8);
  const valueView = new DataView(values.buffer);
  for (let i = 0; i < count; i++) {
    view.setUint32(i * 16, i % 1000, true);
    view.setUint8(i * 16 + 4, i % 3);
    view.setUint32(i * 16 + 8, i * 7919, true);
    valueView.setUint32(i * 8, i + 1, true);
  }
  return { count, keys, values, valueStride: 8 };
}

/** Synthetic histogram keys {u32 group; u8 bucket; 3 pad}. */
function histogramEntries(groups: number, buckets: number): MapEntries {
  const count = groups * buckets;
  const keys = new Uint8Array(count * 8);
  const view = new DataView(keys.buffer);
  const values = new Uint8Array(count * 8);
  for (let i = 0; i < count; i++) {
    view.setUint32(i * 8, Math.floor(i / buckets), true);
    view.setUint8(i * 8 + 4, i % buckets);
    values[i * 8] = (i % 5) + 1;
  }
  return { count, keys, values, valueStride: 8 };
}

/** What a warm-up did. */
export interface WarmUpReport {
  /** Milliseconds it took. */
  readonly ms: number;
  /** Body bytes of the last synthetic scrape. */
  readonly bytes: number;
}

/**
 * Scrapes synthetic maps a few times through fresh collectors and a fresh handler, draining each
 * response. Errors are the caller's to log: a warm-up that fails only leaves the first scrape
 * slower.
 */
export async function warmUpScrapePath(env: DecoderEnv): Promise<WarmUpReport> {
  const started = performance.now();
  const counter: CounterConfig = {
    name: "warm_up_events_total",
    help: "Warm-up",
    perfEventArray: false,
    flushIntervalMs: 0,
    labels: [label("id", 4), label("kind", 1, 3, ["a", "b", "c"]), label("cookie", 8)],
  };
  const histogram: HistogramConfig = {
    name: "warm_up_latency_seconds",
    help: "Warm-up",
    bucketType: "exp2",
    bucketMin: 0,
    bucketMax: 8,
    bucketMultiplier: 0.001,
    bucketKeys: [],
    labels: [label("group", 4), label("bucket", 1, 3)],
  };
  const limits = { decoded: WARM_UP_KEYS * 2, skipped: 16 };
  const errors = { count: 0 };
  const counters = new CounterCollector(
    counter,
    memoryMap(counter.name, 16, counterEntries(WARM_UP_KEYS)),
    env,
    errors,
    limits,
  );
  const histograms = new HistogramCollector(
    histogram,
    memoryMap(histogram.name, 8, histogramEntries(WARM_UP_KEYS / 10, 10)),
    env,
    errors,
    limits,
  );
  const handler = createHandler({
    telemetryPath: "/metrics",
    gather: () => {
      const families: MetricFamily[] = [counters.collect()];
      const h = histograms.collect();
      if (h) families.push(h);
      return Promise.resolve(families);
    },
    version: "warm-up",
  });
  let bytes = 0;
  for (let i = 0; i < SCRAPES; i++) {
    const response = await handler(new Request("http://warm-up/metrics"));
    bytes = (await response.arrayBuffer()).byteLength;
  }
  return { ms: performance.now() - started, bytes };
}
