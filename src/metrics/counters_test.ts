import { deepEqual, equal } from "#assert";
import type { CounterConfig } from "../config/types.ts";
import { encodeText } from "../exposition/text.ts";
import { keyBytes, MemoryMapSource } from "../maps/memory_source.ts";
import { MapType } from "../maps/source.ts";
import { CounterCollector } from "./counters.ts";
import { normalizeFamilies } from "./gather.ts";
import { counter, label, LIMITS, TEST_ENV } from "./test_env.ts";

function lines(config: CounterConfig, map: MemoryMapSource, errors = { count: 0 }): string[] {
  const family = new CounterCollector(config, map, TEST_ENV, errors, LIMITS).collect();
  return encodeText(normalizeFamilies([family])).split("\n").filter((l) => l.startsWith("ebpf"));
}

Deno.test("counter series per decoded key, sorted by label value", () => {
  const map = new MemoryMapSource({ name: "events_total", keySize: 8 })
    .set(keyBytes([8, 0xffffffff81000000n]), 7)
    .set(keyBytes([8, 0x1234]), 2);
  deepEqual(lines(counter([label("function", 8, ["ksym"])]), map), [
    'ebpf_exporter_events_total{function="do_sys_open"} 7',
    'ebpf_exporter_events_total{function="unknown_addr:0x1234"} 2',
  ]);
});

Deno.test("keys that decode to the same labels are summed", () => {
  const config = counter([
    label("kind", 4, ["uint", { name: "static_map", staticMap: new Map([["1", "a"]]) }]),
  ]);
  const map = new MemoryMapSource({ name: "events_total", keySize: 4 })
    .set(keyBytes([4, 1]), 1).set(keyBytes([4, 2]), 10).set(keyBytes([4, 3]), 100);
  deepEqual(lines(config, map), [
    'ebpf_exporter_events_total{kind="a"} 1',
    'ebpf_exporter_events_total{kind="unknown:2"} 10',
    'ebpf_exporter_events_total{kind="unknown:3"} 100',
  ]);
  const merged = counter([
    label("kind", 4, ["uint", {
      name: "static_map",
      staticMap: new Map([["1", "a"]]),
      allowUnknown: false,
    }, { name: "regexp", regexps: ["^(unknown):"] }]),
  ]);
  deepEqual(lines(merged, map), ['ebpf_exporter_events_total{kind="unknown"} 110']);
});

Deno.test("regexp without a match drops the series; padding bytes are skipped", () => {
  const config = counter([
    label("comm", 4, ["string", { name: "regexp", regexps: ["^ba"] }], 4),
  ]);
  const enc = (s: string) => {
    const k = new Uint8Array(8);
    k.set(new TextEncoder().encode(s));
    return k;
  };
  const map = new MemoryMapSource({ name: "events_total", keySize: 8 })
    .set(enc("bash"), 3).set(enc("sh"), 4);
  deepEqual(lines(config, map), ['ebpf_exporter_events_total{comm="ba"} 3']);
});

Deno.test("a key that fails to decode is skipped and counted, the rest still export", () => {
  const config = counter([label("id", 3, ["uint"])]);
  const map = new MemoryMapSource({ name: "events_total", keySize: 3 }).set(keyBytes([3, 1]), 1);
  const errors = { count: 0 };
  deepEqual(lines(config, map, errors), []);
  equal(errors.count, 1);
});

Deno.test("per-CPU values are summed; a trailing cpu label splits them", () => {
  const map = new MemoryMapSource({
    name: "events_total",
    keySize: 4,
    type: MapType.PERCPU_HASH,
    cpus: 2,
  })
    .set(keyBytes([4, 5]), 2, 3);
  deepEqual(lines(counter([label("id", 4)]), map), ['ebpf_exporter_events_total{id="5"} 5']);
  deepEqual(lines(counter([label("id", 4), label("cpu", 2)]), map), [
    'ebpf_exporter_events_total{cpu="0",id="5"} 2',
    'ebpf_exporter_events_total{cpu="1",id="5"} 3',
  ]);
});

Deno.test("a counter without labels reads key 0", () => {
  const map = new MemoryMapSource({ name: "events_total", keySize: 4, type: MapType.ARRAY })
    .set(keyBytes([4, 0]), 42).set(keyBytes([4, 1]), 9);
  deepEqual(lines(counter([]), map), ["ebpf_exporter_events_total 42"]);
});

Deno.test("series of keys gone from the map disappear on the next scrape", () => {
  const map = new MemoryMapSource({ name: "events_total", keySize: 4 })
    .set(keyBytes([4, 1]), 1).set(keyBytes([4, 2]), 2);
  const collector = new CounterCollector(
    counter([label("id", 4)]),
    map,
    TEST_ENV,
    { count: 0 },
    LIMITS,
  );
  equal(collector.collect().series.length, 2);
  map.delete(keyBytes([4, 1]));
  map.set(keyBytes([4, 2]), 5);
  const family = collector.collect();
  deepEqual(family.series.map((s) => [s.labels.values[0], s.value]), [["2", 5]]);
});

Deno.test("series stay sorted as keys come and go between scrapes", () => {
  const map = new MemoryMapSource({ name: "events_total", keySize: 4 })
    .set(keyBytes([4, 20]), 1).set(keyBytes([4, 40]), 1);
  const collector = new CounterCollector(
    counter([label("id", 4)]),
    map,
    TEST_ENV,
    { count: 0 },
    LIMITS,
  );
  const ids = () => collector.collect().series.map((s) => s.labels.values[0]);
  deepEqual(ids(), ["20", "40"]);
  deepEqual(ids(), ["20", "40"]);
  map.set(keyBytes([4, 30]), 1);
  deepEqual(ids(), ["20", "30", "40"]);
  map.delete(keyBytes([4, 20]));
  map.set(keyBytes([4, 10]), 1);
  deepEqual(ids(), ["10", "30", "40"]);
});

Deno.test("a returned family is a snapshot that later scrapes do not change", () => {
  const map = new MemoryMapSource({ name: "events_total", keySize: 4 }).set(keyBytes([4, 1]), 1);
  const collector = new CounterCollector(
    counter([label("id", 4)]),
    map,
    TEST_ENV,
    { count: 0 },
    LIMITS,
  );
  const first = collector.collect();
  map.set(keyBytes([4, 1]), 99);
  collector.collect();
  equal(first.series[0].value, 1);
});

Deno.test("a lone cpu label on a per-CPU array keyed by u32 0 gives one series per CPU", () => {
  const map = new MemoryMapSource({
    name: "events_total",
    keySize: 4,
    type: MapType.PERCPU_ARRAY,
    cpus: 3,
  }).set(keyBytes([4, 0]), 4, 5, 6).set(keyBytes([4, 1]), 100, 100, 100);
  deepEqual(lines(counter([label("cpu", 2)]), map), [
    'ebpf_exporter_events_total{cpu="0"} 4',
    'ebpf_exporter_events_total{cpu="1"} 5',
    'ebpf_exporter_events_total{cpu="2"} 6',
  ]);
});

Deno.test("series sort like the Go client: value by value, a prefix before its extensions", () => {
  const map = new MemoryMapSource({ name: "events_total", keySize: 8 });
  const config = counter([
    label("a", 4, ["uint", {
      name: "static_map",
      staticMap: new Map([["1", "x"], ["2", "x\u0000"], ["3", "xy"]]),
    }]),
    label("b", 4, ["uint"]),
  ]);
  map.set(keyBytes([4, 3], [4, 1]), 1).set(keyBytes([4, 1], [4, 9]), 1)
    .set(keyBytes([4, 2], [4, 0]), 1).set(keyBytes([4, 1], [4, 10]), 1);
  const collector = new CounterCollector(config, map, TEST_ENV, { count: 0 }, LIMITS);
  deepEqual(collector.collect().series.map((s) => s.labels.values), [
    ["x", "10"],
    ["x", "9"],
    ["x\u0000", "0"],
    ["xy", "1"],
  ]);
});
