/**
 * Start-up warm-up of the scrape path. A JIT runs new code slowly until it has seen it run: the
 * first scrape after start would otherwise pay for compiling the collectors, the label and key
 * tables, the byte encoders, gzip and the handler's streaming, on top of decoding every key once.
 * So before serving, the exporter scrapes a synthetic in-memory config of a few thousand keys
 * through a throwaway {@link Exporter} and handler, the way Prometheus asks (OpenMetrics, gzip)
 * and the way a plain client does (text). Nothing of it is kept: no real map is read, no cache is
 * filled, and the real collectors start empty.
 * @module
 */

import { MemoryLoadedConfig } from "../bpf/loaded_config.ts";
import { parseConfig } from "../config/parse.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { Exporter } from "../exporter.ts";
import { createHandler } from "../http/handler.ts";
import { type MapSource, MapType } from "../maps/source.ts";

/** Keys of the synthetic counter map (the histogram map has a tenth as many groups of 10). */
export const WARM_UP_KEYS = 5000;
const HISTOGRAM_BUCKETS = 10;

/** The synthetic config: the key shapes and decoders of a typical counter and histogram. */
const WARM_UP_YAML = `
metrics:
  counters:
    - name: warm_up_events_total
      help: Warm-up
      labels:
        - { name: id, size: 4, decoders: [{ name: uint }] }
        - name: kind
          size: 1
          padding: 3
          decoders: [{ name: uint }, { name: static_map, static_map: { 0: a, 1: b, 2: c } }]
        - { name: cookie, size: 8, decoders: [{ name: uint }] }
  histograms:
    - name: warm_up_latency_seconds
      help: Warm-up
      bucket_type: exp2
      bucket_min: 0
      bucket_max: ${HISTOGRAM_BUCKETS - 2}
      bucket_multiplier: 0.001
      labels:
        - { name: group, size: 4, decoders: [{ name: uint }] }
        - { name: bucket, size: 1, padding: 3, decoders: [{ name: uint }] }
`;

/** What Prometheus sends (`scrape_protocols` defaults), then what a plain client sends. */
const SCRAPES: readonly Record<string, string>[] = [
  {
    accept:
      "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
    "accept-encoding": "gzip",
  },
  { "accept-encoding": "gzip" },
  {},
];

/** A hash map of fixed entries: `count` keys of `keySize` bytes written by `fill`, one u64 each. */
function fixedMap(
  name: string,
  keySize: number,
  count: number,
  fill: (key: DataView, i: number) => number,
): MapSource {
  const keys = new Uint8Array(count * keySize);
  const values = new Uint8Array(count * 8);
  const valueView = new DataView(values.buffer);
  for (let i = 0; i < count; i++) {
    const value = fill(new DataView(keys.buffer, i * keySize, keySize), i);
    valueView.setUint32(i * 8, value, true);
  }
  const entries = { count, keys, values, valueStride: 8 };
  return {
    name,
    type: MapType.HASH,
    keySize,
    valueSize: 8,
    maxEntries: count,
    cpus: 1,
    read: () => entries,
  };
}

/** The synthetic maps: counter keys {u32 id; u8 kind; 3 pad; u64 cookie}, histogram keys
 * {u32 group; u8 bucket; 3 pad}. */
function warmUpMaps(): Map<string, MapSource> {
  const counters = fixedMap("warm_up_events_total", 16, WARM_UP_KEYS, (key, i) => {
    key.setUint32(0, i % 1000, true);
    key.setUint8(4, i % 3);
    key.setUint32(8, i * 7919, true);
    return i + 1;
  });
  const histograms = fixedMap("warm_up_latency_seconds", 8, WARM_UP_KEYS, (key, i) => {
    key.setUint32(0, Math.floor(i / HISTOGRAM_BUCKETS), true);
    key.setUint8(4, i % HISTOGRAM_BUCKETS);
    return (i % 5) + 1;
  });
  return new Map([[counters.name, counters], [histograms.name, histograms]]);
}

/** What a warm-up did. */
export interface WarmUpReport {
  /** Milliseconds it took. */
  readonly ms: number;
  /** Body bytes of the last synthetic scrape (uncompressed text). */
  readonly bytes: number;
}

/**
 * Scrapes the synthetic config through a throwaway exporter and handler, draining each response.
 * Errors are the caller's to log: a warm-up that fails only leaves the first scrape slower.
 */
export async function warmUpScrapePath(env: DecoderEnv): Promise<WarmUpReport> {
  const started = performance.now();
  const { config } = parseConfig("warm_up", "warm_up.yaml", "warm_up.bpf.o", WARM_UP_YAML);
  // Not closed afterwards: Exporter.close() would also close the shared env (cgroup watcher).
  const exporter = new Exporter([new MemoryLoadedConfig(config, warmUpMaps())], env, {
    selfMetrics: true,
  });
  const handler = createHandler({
    telemetryPath: "/metrics",
    gather: () => exporter.gather(),
    version: "warm-up",
  });
  let bytes = 0;
  for (const headers of SCRAPES) {
    const response = await handler(new Request("http://warm-up/metrics", { headers }));
    bytes = (await response.arrayBuffer()).byteLength;
  }
  return { ms: performance.now() - started, bytes };
}
