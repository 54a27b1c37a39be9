import assert from "#assert";
import { checkConfigMaps, describeMapType, labelsKeySize, type MapInfo } from "./check_maps.ts";
import { ConfigError } from "./errors.ts";
import { catchConfigError, configOf } from "./test_helpers.ts";
import type { Config } from "./types.ts";
import { MapType } from "../maps/source.ts";

function passes(cfg: Config, maps: Record<string, MapInfo>): void {
  checkConfigMaps(cfg, new Map(Object.entries(maps)));
}

/** Runs the check and returns the ConfigError it throws. */
function failure(cfg: Config, maps: Record<string, MapInfo>): ConfigError {
  return catchConfigError(() => passes(cfg, maps));
}

const hash = (keySize: number, valueSize = 8): MapInfo => ({
  type: MapType.HASH,
  keySize,
  valueSize,
});

const BIO = configOf(`metrics:
  counters:
    - name: bio_ops_total
      help: Ops
      labels:
        - name: device
          size: 4
          decoders: [{name: majorminor}]
        - name: op
          size: 1
          padding: 3
          decoders: [{name: uint}]
  histograms:
    - name: bio_latency_seconds
      help: Latency
      bucket_type: exp2
      bucket_max: 26
      labels:
        - name: device
          size: 4
          decoders: [{name: majorminor}]
        - name: op
          size: 1
          padding: 3
          decoders: [{name: uint}]
        - name: bucket
          size: 8
          decoders: [{name: uint}]
`);

Deno.test("labelsKeySize sums size and padding", () => {
  assert.equal(labelsKeySize(BIO.counters[0].labels), 8);
  assert.equal(labelsKeySize(BIO.histograms[0].labels), 16);
  assert.equal(labelsKeySize([]), 0);
});

Deno.test("describeMapType names known types", () => {
  assert.equal(describeMapType(5), "PERCPU_HASH (5)");
  assert.equal(describeMapType(27), "RINGBUF (27)");
  assert.equal(describeMapType(99), "type 99");
});

Deno.test("checkConfigMaps: matching maps pass, extra maps are fine", () => {
  passes(BIO, {
    bio_ops_total: hash(8),
    bio_latency_seconds: hash(16),
    start: hash(8),
    ".rodata": { type: MapType.ARRAY, keySize: 4, valueSize: 64 },
  });
});

Deno.test("checkConfigMaps: per-CPU and LRU map types are fine with 8-byte values", () => {
  for (
    const type of [
      MapType.ARRAY,
      MapType.PERCPU_HASH,
      MapType.PERCPU_ARRAY,
      MapType.LRU_HASH,
      MapType.LRU_PERCPU_HASH,
    ]
  ) {
    passes(BIO, {
      bio_ops_total: { type, keySize: 8, valueSize: 8 },
      bio_latency_seconds: { type, keySize: 16, valueSize: 8 },
    });
  }
});

Deno.test("checkConfigMaps: a missing map lists the maps the object has", () => {
  const error = failure(BIO, { bio_ops_totals: hash(8), other: hash(4) });
  assert.equal(error.file, "cfg/t.yaml");
  assert.equal(error.keyPath, "metrics.counters[0]");
  assert.equal(error.line, 3);
  assert.equal(
    error.message,
    'cfg/t.yaml:3: metrics.counters[0]: expected a map named "bio_ops_total" in cfg/t.bpf.o, got' +
      ' maps "bio_ops_totals", "other" (did you mean "bio_ops_totals"?)',
  );
  const empty = failure(BIO, {});
  assert.match(empty.message, /got an object with no maps$/);
  const histogram = failure(BIO, { bio_ops_total: hash(8) });
  assert.equal(histogram.keyPath, "metrics.histograms[0]");
  assert.equal(histogram.line, 14);
  assert.match(histogram.message, /expected a map named "bio_latency_seconds"/);
});

Deno.test("checkConfigMaps: key size must equal the labels' size + padding", () => {
  const error = failure(BIO, { bio_ops_total: hash(5), bio_latency_seconds: hash(16) });
  assert.equal(
    error.message,
    'cfg/t.yaml:3: metrics.counters[0]: expected the key size of map "bio_ops_total" to match the' +
      " labels, got labels add up to 8 bytes (size+padding), map key is 5 bytes",
  );
  const histogram = failure(BIO, { bio_ops_total: hash(8), bio_latency_seconds: hash(12) });
  assert.match(
    histogram.message,
    /labels add up to 16 bytes \(size\+padding\), map key is 12 bytes/,
  );
  assert.equal(histogram.keyPath, "metrics.histograms[0]");
});

Deno.test("checkConfigMaps: a counter without labels needs a 4-byte key", () => {
  const cfg = configOf("metrics:\n  counters:\n    - name: jit_total\n      help: JIT\n");
  passes(cfg, { jit_total: { type: MapType.ARRAY, keySize: 4, valueSize: 8 } });
  const error = failure(cfg, { jit_total: { type: MapType.ARRAY, keySize: 8, valueSize: 8 } });
  assert.match(
    error.message,
    /no labels read the single key u32 0 \(4 bytes\), map key is 8 bytes/,
  );
});

Deno.test("checkConfigMaps: values must be u64", () => {
  const error = failure(BIO, { bio_ops_total: hash(8, 4), bio_latency_seconds: hash(16) });
  assert.equal(
    error.message,
    "cfg/t.yaml:3: metrics.counters[0]: map value must be u64 (8 bytes), got 4",
  );
  const perCpu = failure(BIO, {
    bio_ops_total: { type: MapType.PERCPU_HASH, keySize: 8, valueSize: 16 },
    bio_latency_seconds: hash(16),
  });
  assert.match(perCpu.message, /map value must be u64 \(8 bytes per CPU\), got 16$/);
  const histogram = failure(BIO, { bio_ops_total: hash(8), bio_latency_seconds: hash(16, 16) });
  assert.match(histogram.message, /metrics\.histograms\[0\]: map value must be u64/);
});

Deno.test("checkConfigMaps: map types that cannot be looked up are refused", () => {
  const ringbuf = failure(BIO, {
    bio_ops_total: { type: MapType.RINGBUF, keySize: 0, valueSize: 0 },
    bio_latency_seconds: hash(16),
  });
  assert.match(ringbuf.message, /to be a hash or array map, got RINGBUF \(27\)$/);
  const perf = failure(BIO, {
    bio_ops_total: { type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4 },
    bio_latency_seconds: hash(16),
  });
  assert.match(perf.message, /or set perf_event_array: true .*, got PERF_EVENT_ARRAY \(4\)$/);
});

Deno.test("checkConfigMaps: a per-CPU counter's trailing cpu label is not part of the key", () => {
  const cfg = configOf(`metrics:
  counters:
    - name: softirqs_total
      help: Softirqs
      labels:
        - name: vec
          size: 4
          decoders: [{name: uint}]
        - name: cpu
          size: 2
          decoders: [{name: uint}]
`);
  passes(cfg, { softirqs_total: { type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8 } });
  // On a plain map the cpu label is an ordinary key field.
  passes(cfg, { softirqs_total: hash(6) });
  const error = failure(cfg, {
    softirqs_total: { type: MapType.PERCPU_ARRAY, keySize: 6, valueSize: 8 },
  });
  assert.match(error.message, /labels without the cpu label add up to 4 bytes/);

  const onlyCpu = configOf(
    "metrics:\n  counters:\n    - name: c_total\n      help: C\n" +
      "      labels: [{name: cpu, size: 2, decoders: [{name: uint}]}]\n",
  );
  passes(onlyCpu, { c_total: { type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8 } });

  const wideCpu = configOf(
    "metrics:\n  counters:\n    - name: c_total\n      help: C\n" +
      "      labels: [{name: cpu, size: 4, decoders: [{name: uint}]}]\n",
  );
  const wide = failure(wideCpu, {
    c_total: { type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8 },
  });
  assert.equal(wide.keyPath, "metrics.counters[0].labels[0].size");
  assert.match(wide.message, /expected the cpu label of a per-CPU map to be size 2/);
});

Deno.test("checkConfigMaps: perf_event_array counters need a PERF_EVENT_ARRAY map", () => {
  const cfg = configOf(`metrics:
  counters:
    - name: oom_kills_total
      help: OOM kills
      perf_event_array: true
      labels:
        - name: cgroup
          size: 8
          decoders: [{name: uint}]
`);
  passes(cfg, { oom_kills_total: { type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4 } });
  const error = failure(cfg, { oom_kills_total: hash(8) });
  assert.equal(
    error.message,
    'cfg/t.yaml:3: metrics.counters[0]: expected map "oom_kills_total" to be a PERF_EVENT_ARRAY' +
      " (4) for perf_event_array: true, got HASH (1)",
  );
  assert.match(failure(cfg, {}).message, /expected a map named "oom_kills_total"/);
});

Deno.test("checkConfigMaps: spans need a RINGBUF map", () => {
  const cfg = configOf(`tracing:
  spans:
    - ringbuf: exec_spans
      labels:
        - name: trace_id
          size: 16
          decoders: [{name: hex}]
`);
  passes(cfg, { exec_spans: { type: MapType.RINGBUF, keySize: 0, valueSize: 0 } });
  const wrong = failure(cfg, { exec_spans: hash(16) });
  assert.equal(
    wrong.message,
    'cfg/t.yaml: tracing.spans[0]: expected map "exec_spans" to be a RINGBUF (27), got HASH (1)',
  );
  const missing = failure(cfg, { other: hash(8) });
  assert.equal(missing.keyPath, "tracing.spans[0]");
  assert.match(
    missing.message,
    /expected a map named "exec_spans" in cfg\/t\.bpf\.o, got maps "other"$/,
  );
});

Deno.test("checkConfigMaps: cgroup_id_map type, key and value", () => {
  const source = (type: string) =>
    "metrics:\n  counters:\n    - {name: c_total, help: C}\n" +
    `cgroup_id_map: {name: cg, type: ${type}, regexps: [a]}\n`;
  const maps = (cg: MapInfo) => ({
    c_total: { type: MapType.ARRAY, keySize: 4, valueSize: 8 },
    cg,
  });
  passes(configOf(source("hash")), maps(hash(8)));
  passes(
    configOf(source("cgrp_storage")),
    maps({ type: MapType.CGRP_STORAGE, keySize: 4, valueSize: 8 }),
  );
  assert.match(
    failure(
      configOf(source("hash")),
      maps({ type: MapType.CGRP_STORAGE, keySize: 4, valueSize: 8 }),
    )
      .message,
    /cgroup_id_map: expected map "cg" to be a HASH \(1\) for type: hash, got CGRP_STORAGE \(32\)$/,
  );
  assert.match(
    failure(configOf(source("hash")), maps(hash(4))).message,
    /map key must be a u64 cgroup id \(8 bytes\), got 4$/,
  );
  assert.match(
    failure(configOf(source("hash")), maps(hash(8, 4))).message,
    /map value must be u64 \(8 bytes\), got 4$/,
  );
  assert.match(
    failure(configOf(source("cgrp_storage")), { c_total: hash(4) }).message,
    /expected a map named "cg"/,
  );
});

Deno.test("checkConfigMaps: a per-CPU histogram's cpu label before the bucket is not in the key", () => {
  const cfg = configOf(`metrics:
  histograms:
    - name: lat_seconds
      help: Latency
      bucket_type: exp2
      bucket_max: 10
      labels:
        - name: op
          size: 4
          decoders: [{name: uint}]
        - name: cpu
          size: 2
          decoders: [{name: uint}]
        - name: bucket
          size: 4
          decoders: [{name: uint}]
`);
  passes(cfg, { lat_seconds: { type: MapType.PERCPU_HASH, keySize: 8, valueSize: 8 } });
  const error = failure(cfg, {
    lat_seconds: { type: MapType.PERCPU_HASH, keySize: 10, valueSize: 8 },
  });
  assert.match(error.message, /labels without the cpu label add up to 8 bytes/);
});
