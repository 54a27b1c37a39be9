/**
 * Collector families carry their series column-wise, and the fast encoders read the columns
 * directly. These tests check that every encoder writes the same bytes from the columns as the
 * reference encoders write from plain series objects, on label values that exercise escaping,
 * multi-byte UTF-8 and long values.
 */
import { deepEqual, equal } from "#assert";
import type { LabelConfig } from "../config/types.ts";
import { encodeProtobuf } from "../exposition/protobuf.ts";
import { protobufByteChunks } from "../exposition/protobuf_bytes.ts";
import { openMetricsByteChunks } from "../exposition/openmetrics.ts";
import { encodeText } from "../exposition/text.ts";
import { textByteChunks } from "../exposition/text_bytes.ts";
import { keyBytes, MemoryMapSource } from "../maps/memory_source.ts";
import { MapType } from "../maps/source.ts";
import { CounterCollector } from "./counters.ts";
import type { MetricFamily } from "./family.ts";
import { HistogramCollector } from "./histograms.ts";
import { counter, histogram, label, LIMITS, TEST_ENV, utf8Order } from "./test_env.ts";

/** Label values that need escaping, multi-byte UTF-8, or a two-byte length in the arena. */
const TRICKY = [
  "",
  "a",
  "ab",
  'q"uo\\te',
  "new\nline",
  "é",
  "🐝",
  "！",
  "x".repeat(200),
  "é".repeat(100),
  "unknown:0x1f",
];

/** A label whose u32 key indexes {@link TRICKY}. */
function tricky(name: string): LabelConfig {
  return label(name, 4, ["uint", {
    name: "static_map",
    staticMap: new Map(TRICKY.map((v, i) => [String(i), v])),
  }]);
}

/** The same family with plain series objects and no columns (what the reference encoders read). */
function plain(family: MetricFamily): MetricFamily {
  const { columns: _, ...rest } = family;
  return { ...rest, series: [...family.series] } as MetricFamily;
}

function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  const parts = [...chunks];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The family as the fast encoders must see it: asking for series objects fails. */
function columnsOnly(family: MetricFamily): MetricFamily {
  const copy = Object.create(family);
  Object.defineProperty(copy, "series", {
    get() {
      throw new Error("a fast encoder built series objects");
    },
  });
  return copy;
}

function assertSameEverywhere(collected: MetricFamily): void {
  equal(collected.columns !== undefined, true, "a collector family has columns");
  const reference = plain(collected);
  const family = columnsOnly(collected);
  const text = new TextDecoder().decode(concat(textByteChunks([family], 512)));
  equal(text, encodeText([reference]));
  deepEqual(
    concat(openMetricsByteChunks([family], 512)),
    concat(openMetricsByteChunks([reference])),
  );
  deepEqual(concat(protobufByteChunks([family], 512)), encodeProtobuf([reference]));
}

function counterMap(): MemoryMapSource {
  const map = new MemoryMapSource({ name: "events_total", keySize: 8 });
  for (let a = 0; a < TRICKY.length; a++) {
    for (let b = 0; b < 3; b++) map.set(keyBytes([4, a], [4, b * 1000]), a * 10 + b + 1);
  }
  return map;
}

Deno.test("counter columns encode the same bytes as series objects in every format", () => {
  const config = counter([tricky("kind"), label("id", 4)]);
  const family = new CounterCollector(config, counterMap(), TEST_ENV, { count: 0 }, LIMITS)
    .collect();
  equal(family.series.length, TRICKY.length * 3);
  assertSameEverywhere(family);
});

Deno.test("histogram columns encode the same bytes as series objects in every format", () => {
  const config = histogram({
    bucketMax: 4,
    bucketMultiplier: 0.001,
    labels: [tricky("op"), label("bucket", 4)],
  });
  const map = new MemoryMapSource({ name: "latency_seconds", keySize: 8 });
  for (let a = 0; a < TRICKY.length; a++) {
    for (let b = 0; b <= 5; b++) map.set(keyBytes([4, a], [4, b]), (a + 1) * (b + 2));
  }
  const family = new HistogramCollector(config, map, TEST_ENV, { count: 0 }, LIMITS).collect()!;
  equal(family.series.length, TRICKY.length);
  assertSameEverywhere(family);
});

Deno.test("labelless and per-CPU split families encode alike through columns", () => {
  const bare = new MemoryMapSource({ name: "events_total", keySize: 4 }).set(keyBytes([4, 0]), 5);
  assertSameEverywhere(
    new CounterCollector(counter([]), bare, TEST_ENV, { count: 0 }, LIMITS).collect(),
  );
  const perCpu = new MemoryMapSource({
    name: "events_total",
    keySize: 4,
    type: MapType.PERCPU_HASH,
    cpus: 3,
  }).set(keyBytes([4, 6]), 1, 2, 3).set(keyBytes([4, 3]), 4, 5, 6);
  const config = counter([tricky("kind"), label("cpu", 2)]);
  assertSameEverywhere(
    new CounterCollector(config, perCpu, TEST_ENV, { count: 0 }, LIMITS).collect(),
  );
});

Deno.test("series sort like Go strings: by UTF-8 bytes, a prefix before its extensions", () => {
  const config = counter([tricky("kind")]);
  const map = new MemoryMapSource({ name: "events_total", keySize: 4 });
  TRICKY.forEach((_, i) => map.set(keyBytes([4, i]), 1));
  const family = new CounterCollector(config, map, TEST_ENV, { count: 0 }, LIMITS).collect();
  deepEqual(family.series.map((s) => s.labels.values[0]), [...TRICKY].sort(utf8Order));
  // U+FF01 sorts before U+1F41D in Go (bytes EF BC 81 < F0 9F 90 9D), unlike UTF-16 order.
  const values = family.series.map((s) => s.labels.values[0]);
  equal(values.indexOf("！") < values.indexOf("🐝"), true);
});

Deno.test("snapshots survive compaction; series stay exact and sorted through heavy churn", () => {
  const map = new MemoryMapSource({ name: "events_total", keySize: 4 });
  const collector = new CounterCollector(
    counter([label("id", 4)]),
    map,
    TEST_ENV,
    { count: 0 },
    LIMITS_BIG,
  );
  for (let i = 0; i < 3000; i++) map.set(keyBytes([4, i]), i + 1);
  const first = collector.collect();
  const firstText = encodeText([plain(first)]);
  const expected = (ids: number[]) =>
    ids.map((i) => String(i)).sort().map((i) => `ebpf_exporter_events_total{id="${i}"} ${+i + 1}`);
  for (let i = 500; i < 3000; i++) map.delete(keyBytes([4, i]));
  for (let i = 5000; i < 5100; i++) map.set(keyBytes([4, i]), i + 1);
  const second = collector.collect(); // 2,500 series gone: the label table is compacted
  const live = [...Array(500).keys(), ...Array.from({ length: 100 }, (_, k) => 5000 + k)];
  const samples = (f: MetricFamily) =>
    new TextDecoder().decode(concat(textByteChunks([f]))).split("\n").filter((l) =>
      l.startsWith("ebpf")
    );
  deepEqual(samples(second), expected(live));
  map.set(keyBytes([4, 2999]), 3000);
  deepEqual(samples(collector.collect()), expected([...live, 2999]));
  equal(new TextDecoder().decode(concat(textByteChunks([first]))), firstText);
  equal(samples(first).length, 3000);
});

const LIMITS_BIG = { decoded: 100_000, skipped: 100_000 } as const;
