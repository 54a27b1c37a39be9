import { deepEqual as assertEquals } from "#assert";
import { keyBytes, MemoryMapSource } from "../maps/memory_source.ts";
import { MapType } from "../maps/source.ts";
import { encodeText } from "../exposition/text.ts";
import { normalizeFamilies } from "./gather.ts";
import { HistogramCollector } from "./histograms.ts";
import { histogram, label, LIMITS, TEST_ENV } from "./test_env.ts";
import type { HistogramConfig } from "../config/types.ts";

function render(config: HistogramConfig, map: MemoryMapSource): string {
  const errors = { count: 0 };
  const family = new HistogramCollector(config, map, TEST_ENV, errors, LIMITS).collect();
  return family ? encodeText(normalizeFamilies([family])) : "";
}

function bucketMap(keySize = 4): MemoryMapSource {
  return new MemoryMapSource({ name: "latency_seconds", keySize });
}

Deno.test("exp2: bounds 2^i*m, cumulative counts, sum from key max+1 times m", () => {
  const map = bucketMap().set(keyBytes([4, 0]), 1).set(keyBytes([4, 2]), 3)
    .set(keyBytes([4, 4]), 50);
  assertEquals(
    render(histogram({ bucketMultiplier: 0.000001 }), map),
    `# HELP ebpf_exporter_latency_seconds Latency
# TYPE ebpf_exporter_latency_seconds histogram
ebpf_exporter_latency_seconds_bucket{le="1e-06"} 1
ebpf_exporter_latency_seconds_bucket{le="2e-06"} 1
ebpf_exporter_latency_seconds_bucket{le="4e-06"} 4
ebpf_exporter_latency_seconds_bucket{le="8e-06"} 4
ebpf_exporter_latency_seconds_bucket{le="+Inf"} 4
ebpf_exporter_latency_seconds_sum 4.9999999999999996e-05
ebpf_exporter_latency_seconds_count 4
`,
  );
});

Deno.test("exp2zero: first bound is 0, then 2^(i-1)*m", () => {
  const map = bucketMap().set(keyBytes([4, 0]), 2).set(keyBytes([4, 1]), 1);
  const text = render(histogram({ bucketType: "exp2zero", bucketMax: 3 }), map);
  assertEquals(
    text.split("\n").filter((l) => l.includes("_bucket")),
    [
      'ebpf_exporter_latency_seconds_bucket{le="0"} 2',
      'ebpf_exporter_latency_seconds_bucket{le="1"} 3',
      'ebpf_exporter_latency_seconds_bucket{le="2"} 3',
      'ebpf_exporter_latency_seconds_bucket{le="4"} 3',
      'ebpf_exporter_latency_seconds_bucket{le="+Inf"} 3',
    ],
  );
});

Deno.test("linear: bound i*m from bucket_min; keys outside the range are ignored", () => {
  const map = bucketMap().set(keyBytes([4, 1]), 1).set(keyBytes([4, 5]), 2)
    .set(keyBytes([4, 9]), 7).set(keyBytes([4, 6]), 100);
  const text = render(
    histogram({ bucketType: "linear", bucketMin: 2, bucketMax: 5, bucketMultiplier: 10 }),
    map,
  );
  assertEquals(
    text.split("\n").filter((l) => l.startsWith("ebpf")),
    [
      'ebpf_exporter_latency_seconds_bucket{le="20"} 0',
      'ebpf_exporter_latency_seconds_bucket{le="30"} 0',
      'ebpf_exporter_latency_seconds_bucket{le="40"} 0',
      'ebpf_exporter_latency_seconds_bucket{le="50"} 2',
      'ebpf_exporter_latency_seconds_bucket{le="+Inf"} 2',
      "ebpf_exporter_latency_seconds_sum 1000",
      "ebpf_exporter_latency_seconds_count 2",
    ],
  );
});

Deno.test("fixed: bucket_keys with multiplier, sum at last key + 1", () => {
  const map = bucketMap().set(keyBytes([4, 10]), 1).set(keyBytes([4, 100]), 2)
    .set(keyBytes([4, 1001]), 9);
  const text = render(
    histogram({ bucketType: "fixed", bucketKeys: [10, 100, 1000], bucketMultiplier: 0.5 }),
    map,
  );
  assertEquals(
    text.split("\n").filter((l) => l.startsWith("ebpf")),
    [
      'ebpf_exporter_latency_seconds_bucket{le="5"} 1',
      'ebpf_exporter_latency_seconds_bucket{le="50"} 3',
      'ebpf_exporter_latency_seconds_bucket{le="500"} 3',
      'ebpf_exporter_latency_seconds_bucket{le="+Inf"} 3',
      "ebpf_exporter_latency_seconds_sum 4.5",
      "ebpf_exporter_latency_seconds_count 3",
    ],
  );
});

Deno.test("groups by every label but the last; duplicate label sets are summed", () => {
  const config = histogram({
    labels: [
      label("op", 1, ["uint", {
        name: "static_map",
        staticMap: new Map([["0", "read"], ["1", "write"], ["2", "write"]]),
      }]),
      label("bucket", 1, ["uint"], 2),
    ],
  });
  const map = bucketMap().set(keyBytes([1, 0], [1, 1], [2, 0]), 4)
    .set(keyBytes([1, 1], [1, 1], [2, 0]), 1)
    .set(keyBytes([1, 2], [1, 1], [2, 0]), 2);
  const lines = render(config, map).split("\n").filter((l) => l.includes('le="2"'));
  assertEquals(lines, [
    'ebpf_exporter_latency_seconds_bucket{op="read",le="2"} 4',
    'ebpf_exporter_latency_seconds_bucket{op="write",le="2"} 3',
  ]);
});

Deno.test("a bucket label that is not an integer skips the histogram for that scrape", () => {
  const config = histogram({ labels: [label("bucket", 4, ["hex"])] });
  const map = bucketMap().set(keyBytes([4, 0xab]), 1);
  assertEquals(render(config, map), "");
});

Deno.test("per-CPU histograms sum every CPU's value", () => {
  const summed = new MemoryMapSource({
    name: "latency_seconds",
    keySize: 4,
    type: MapType.PERCPU_HASH,
    cpus: 2,
  })
    .set(keyBytes([4, 1]), 2, 3);
  assertEquals(
    render(histogram({}), summed).split("\n").filter((l) => l.includes("_count")),
    ["ebpf_exporter_latency_seconds_count 5"],
  );
});

Deno.test("values above 2^53 are converted like Go's float64(uint64)", () => {
  const map = bucketMap().set(keyBytes([4, 0]), 2n ** 63n + 1n);
  const text = render(histogram({}), map);
  assertEquals(text.includes('le="1"} 9.223372036854776e+18'), true);
});

Deno.test("per-CPU histograms with a cpu label before the bucket label split per CPU", () => {
  const config = histogram({
    bucketMax: 1,
    labels: [label("op", 4), label("cpu", 2), label("bucket", 4)],
  });
  const map = new MemoryMapSource({
    name: "latency_seconds",
    keySize: 8,
    type: MapType.PERCPU_HASH,
    cpus: 2,
  }).set(keyBytes([4, 7], [4, 0]), 1, 2).set(keyBytes([4, 7], [4, 1]), 3, 4);
  assertEquals(
    render(config, map).split("\n").filter((l) => l.includes("_bucket")),
    [
      'ebpf_exporter_latency_seconds_bucket{cpu="0",op="7",le="1"} 1',
      'ebpf_exporter_latency_seconds_bucket{cpu="0",op="7",le="2"} 4',
      'ebpf_exporter_latency_seconds_bucket{cpu="0",op="7",le="+Inf"} 4',
      'ebpf_exporter_latency_seconds_bucket{cpu="1",op="7",le="1"} 2',
      'ebpf_exporter_latency_seconds_bucket{cpu="1",op="7",le="2"} 6',
      'ebpf_exporter_latency_seconds_bucket{cpu="1",op="7",le="+Inf"} 6',
    ],
  );
});
