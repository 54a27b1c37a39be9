import { deepEqual, equal } from "#assert";
import type { CounterConfig, LabelConfig } from "../config/types.ts";
import { encodeText } from "../exposition/text.ts";
import { normalizeFamilies } from "./gather.ts";
import { PerfEventCounter } from "./perf_event_counters.ts";
import { label, LIMITS, TEST_ENV } from "./test_env.ts";

function config(labels: LabelConfig[], flushIntervalMs = 2000): CounterConfig {
  return {
    name: "oom_kills_total",
    help: "OOM kills",
    perfEventArray: true,
    flushIntervalMs,
    labels,
  };
}

/** `{u32 pid; u8 global; pad[3]}` followed by `trailing` extra bytes. */
function event(pid: number, global: number, trailing = 0): Uint8Array {
  const bytes = new Uint8Array(8 + trailing).fill(0xee);
  new DataView(bytes.buffer).setUint32(0, pid, true);
  bytes.set([global, 0, 0, 0], 4);
  return bytes;
}

const LABELS = [
  label("pid", 4),
  label("global", 1, ["uint", { name: "static_map", staticMap: new Map([["1", "yes"]]) }], 3),
];

function lines(counter: PerfEventCounter): string[] {
  const family = counter.collect();
  if (!family) return [];
  return encodeText(normalizeFamilies([family])).split("\n").filter((l) => l !== "");
}

Deno.test("perf_event_array counter: +1 per event to its label set, trailing bytes ignored", () => {
  const errors = { count: 0 };
  const counter = new PerfEventCounter(config(LABELS), TEST_ENV, errors, LIMITS, () => 0);
  counter.record(event(42, 1));
  counter.record(event(42, 1, 16)); // same key, longer event
  counter.record(event(42, 1));
  counter.record(event(7, 0, 3));
  deepEqual(lines(counter), [
    "# HELP ebpf_exporter_oom_kills_total OOM kills",
    "# TYPE ebpf_exporter_oom_kills_total counter",
    'ebpf_exporter_oom_kills_total{global="unknown:0",pid="7"} 1',
    'ebpf_exporter_oom_kills_total{global="yes",pid="42"} 3',
  ]);
  equal(errors.count, 0);
});

Deno.test("perf_event_array counter: a short event is a decode error, not a series", () => {
  const errors = { count: 0 };
  const counter = new PerfEventCounter(config(LABELS), TEST_ENV, errors, LIMITS, () => 0);
  counter.record(new Uint8Array(4));
  counter.record(new Uint8Array(7));
  equal(errors.count, 2);
  equal(counter.collect(), undefined);
  counter.record(event(1, 1));
  equal(lines(counter).length, 3);
});

Deno.test("perf_event_array counter: keys decoding alike share one series", () => {
  const staticMap = new Map([["1", "a"], ["2", "a"]]);
  const counter = new PerfEventCounter(
    config([label("kind", 4, ["uint", { name: "static_map", staticMap }], 4)]),
    TEST_ENV,
    { count: 0 },
    LIMITS,
    () => 0,
  );
  for (const kind of [1, 2, 2, 3]) counter.record(event(kind, 0));
  deepEqual(lines(counter).slice(2), [
    'ebpf_exporter_oom_kills_total{kind="a"} 3',
    'ebpf_exporter_oom_kills_total{kind="unknown:3"} 1',
  ]);
});

Deno.test("perf_event_array counter: dropped keys (regexp) count nothing", () => {
  const counter = new PerfEventCounter(
    config([label("pid", 4, ["uint", { name: "regexp", regexps: ["^4\\d$"] }], 4)]),
    TEST_ENV,
    { count: 0 },
    LIMITS,
    () => 0,
  );
  for (const pid of [41, 5, 5, 42, 41]) counter.record(event(pid, 0));
  deepEqual(lines(counter).slice(2), [
    'ebpf_exporter_oom_kills_total{pid="41"} 2',
    'ebpf_exporter_oom_kills_total{pid="42"} 1',
  ]);
});

Deno.test("perf_event_array counter: flush_interval resets the counts and the family vanishes", () => {
  let now = 1000;
  const counter = new PerfEventCounter(
    config(LABELS, 2000),
    TEST_ENV,
    { count: 0 },
    LIMITS,
    () => now,
  );
  counter.record(event(1, 1));
  now = 2999; // still inside the first period [1000, 3000)
  counter.record(event(1, 1));
  equal(lines(counter)[2], 'ebpf_exporter_oom_kills_total{global="yes",pid="1"} 2');
  now = 3000;
  equal(counter.collect(), undefined);
  counter.tick();
  counter.record(event(1, 1));
  equal(lines(counter)[2], 'ebpf_exporter_oom_kills_total{global="yes",pid="1"} 1');
  now = 9500; // several periods later: the next boundary is 11000, not 11500
  equal(counter.collect(), undefined);
  counter.record(event(2, 1));
  now = 10999;
  equal(lines(counter).length, 3);
  now = 11000;
  equal(counter.collect(), undefined);
});

Deno.test("perf_event_array counter: lost samples accumulate and survive flushes", () => {
  let now = 0;
  const counter = new PerfEventCounter(
    config(LABELS, 10),
    TEST_ENV,
    { count: 0 },
    LIMITS,
    () => now,
  );
  counter.lost(5);
  now = 100;
  counter.tick();
  counter.lost(2);
  equal(counter.lostTotal, 7);
});

Deno.test("perf_event_array counter: without labels every event counts to one series", () => {
  const counter = new PerfEventCounter(config([]), TEST_ENV, { count: 0 }, LIMITS, () => 0);
  counter.record(new Uint8Array(0));
  counter.record(new Uint8Array(12));
  deepEqual(lines(counter).slice(2), ["ebpf_exporter_oom_kills_total 2"]);
});
