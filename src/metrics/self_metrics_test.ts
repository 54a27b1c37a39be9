import { deepEqual, equal, ok } from "#assert";
import { MemoryLoadedConfig } from "../bpf/loaded_config.ts";
import { parseConfig } from "../config/parse.ts";
import { Exporter } from "../exporter.ts";
import { encodeText } from "../exposition/text.ts";
import { keyBytes, MemoryMapSource, type MemoryMapSpec } from "../maps/memory_source.ts";
import { type MapEntries, MapType } from "../maps/source.ts";
import { hasFillRatio, SELF_METRIC_NAMES, SelfMetrics, seriesIn } from "./self_metrics.ts";
import { TEST_ENV } from "./test_env.ts";
import { promtoolAvailable, promtoolCheckMetrics } from "../../tests/helpers/promtool.ts";

/** A clock that moves only when a fake map is read. */
class FakeClock {
  ms = 1000;
  now = () => this.ms;
}

/** An in-memory map whose read takes `costMs` on the fake clock (and throws when `broken`). */
class SlowMap extends MemoryMapSource {
  broken = false;
  constructor(spec: MemoryMapSpec, readonly clock: FakeClock, readonly costMs: number) {
    super(spec);
  }
  override read(): MapEntries {
    this.clock.ms += this.costMs;
    if (this.broken) throw new Error("bpf_map_lookup_batch: Bad file descriptor");
    return super.read();
  }
}

const DISK_YAML = `metrics:
  counters:
    - name: opens_total
      help: Files opened by function
      labels:
        - name: function
          size: 8
          decoders:
            - name: ksym
  histograms:
    - name: io_latency_seconds
      help: IO latency
      bucket_type: exp2
      bucket_min: 0
      bucket_max: 2
      bucket_multiplier: 0.001
      labels:
        - name: operation
          size: 4
          decoders:
            - name: uint
        - name: bucket
          size: 4
          decoders:
            - name: uint
`;

const CPU_YAML = `metrics:
  counters:
    - name: runs_total
      help: Runs by kind
      labels:
        - name: kind
          size: 4
          decoders:
            - name: uint
`;

function fixture(options: { selfMetrics: boolean }) {
  const clock = new FakeClock();
  const disk = parseConfig("disk", "disk.yaml", "disk.bpf.o", DISK_YAML).config;
  const cpu = parseConfig("cpu", "cpu.yaml", "cpu.bpf.o", CPU_YAML).config;
  const opens = new SlowMap(
    { name: "opens_total", keySize: 8, type: MapType.LRU_HASH, maxEntries: 4 },
    clock,
    2,
  ).set(keyBytes([8, 0xffffffff81000000n]), 12).set(keyBytes([8, 0xdead]), 1)
    .set(keyBytes([8, 0xbeef]), 1);
  const latency = new SlowMap(
    { name: "io_latency_seconds", keySize: 8, type: MapType.HASH, maxEntries: 64 },
    clock,
    0.5,
  ).set(keyBytes([4, 0], [4, 0]), 3).set(keyBytes([4, 0], [4, 2]), 1)
    .set(keyBytes([4, 1], [4, 1]), 4);
  const runs = new SlowMap(
    { name: "runs_total", keySize: 4, type: MapType.ARRAY, maxEntries: 2 },
    clock,
    0.25,
  ).set(keyBytes([4, 0]), 5).set(keyBytes([4, 1]), 0);
  const exporter = new Exporter(
    [
      new MemoryLoadedConfig(disk, new Map([[opens.name, opens], [latency.name, latency]])),
      new MemoryLoadedConfig(cpu, new Map([[runs.name, runs]])),
    ],
    TEST_ENV,
    { selfMetrics: options.selfMetrics, selfMetricsClock: clock.now },
  );
  return { exporter, clock, opens, latency, runs };
}

/** The lines of the self-observability families in an exposition. */
function selfLines(text: string): string[] {
  return text.split("\n").filter((l) =>
    SELF_METRIC_NAMES.some((n) => l.startsWith(`${n}{`) || l.includes(` ${n} `))
  );
}

Deno.test("self metrics: scrape duration and series per config, read time, entries and fill per map", () => {
  const { exporter } = fixture({ selfMetrics: true });
  const text = encodeText(exporter.collect());
  deepEqual(selfLines(text), [
    "# HELP ebpf_exporter_map_entries Entries the last read of a map returned",
    "# TYPE ebpf_exporter_map_entries gauge",
    'ebpf_exporter_map_entries{config="cpu",map="runs_total"} 2',
    'ebpf_exporter_map_entries{config="disk",map="io_latency_seconds"} 3',
    'ebpf_exporter_map_entries{config="disk",map="opens_total"} 3',
    "# HELP ebpf_exporter_map_fill_ratio Entries of a hash map over its max_entries at the last read (at 1, new keys are dropped, or evicted for LRU maps)",
    "# TYPE ebpf_exporter_map_fill_ratio gauge",
    'ebpf_exporter_map_fill_ratio{config="disk",map="io_latency_seconds"} 0.046875',
    'ebpf_exporter_map_fill_ratio{config="disk",map="opens_total"} 0.75',
    "# HELP ebpf_exporter_map_read_duration_seconds Time the last read of a map took (batch lookup or key iteration)",
    "# TYPE ebpf_exporter_map_read_duration_seconds gauge",
    'ebpf_exporter_map_read_duration_seconds{config="cpu",map="runs_total"} 0.00025',
    'ebpf_exporter_map_read_duration_seconds{config="disk",map="io_latency_seconds"} 0.0005',
    'ebpf_exporter_map_read_duration_seconds{config="disk",map="opens_total"} 0.002',
    "# HELP ebpf_exporter_scrape_collector_duration_seconds Time the last scrape spent reading and decoding the maps of a config",
    "# TYPE ebpf_exporter_scrape_collector_duration_seconds gauge",
    'ebpf_exporter_scrape_collector_duration_seconds{config="cpu"} 0.00025',
    'ebpf_exporter_scrape_collector_duration_seconds{config="disk"} 0.0025',
    "# HELP ebpf_exporter_scrape_series Series the metrics of a config produced in the last scrape (a histogram counts each bucket, its sum and its count)",
    "# TYPE ebpf_exporter_scrape_series gauge",
    // cpu: 2 counter series; disk: 3 counter series + 2 histograms x (3 buckets + +Inf + sum + count)
    'ebpf_exporter_scrape_series{config="cpu"} 2',
    'ebpf_exporter_scrape_series{config="disk"} 15',
  ]);
});

Deno.test("self metrics describe the last scrape, not a running total", () => {
  const { exporter, opens, latency } = fixture({ selfMetrics: true });
  exporter.collect();
  opens.clear();
  latency.delete(keyBytes([4, 1], [4, 1]));
  const text = encodeText(exporter.collect());
  ok(text.includes('ebpf_exporter_map_entries{config="disk",map="opens_total"} 0\n'), text);
  ok(text.includes('ebpf_exporter_map_fill_ratio{config="disk",map="opens_total"} 0\n'), text);
  ok(text.includes('ebpf_exporter_map_entries{config="disk",map="io_latency_seconds"} 2\n'), text);
  ok(text.includes('ebpf_exporter_scrape_series{config="disk"} 6\n'), text);
  ok(
    text.includes('ebpf_exporter_scrape_collector_duration_seconds{config="disk"} 0.0025\n'),
    text,
  );
});

Deno.test("self metrics: a map that cannot be read has no read series, its time still counts", () => {
  const { exporter, runs } = fixture({ selfMetrics: true });
  runs.broken = true;
  const text = encodeText(exporter.collect());
  equal(text.includes('map="runs_total"'), false, text);
  ok(text.includes('ebpf_exporter_scrape_collector_duration_seconds{config="cpu"} 0.00025\n'));
  ok(text.includes('ebpf_exporter_scrape_series{config="cpu"} 0\n'), text);
});

Deno.test("without selfMetrics the exporter serves upstream's series only", () => {
  const { exporter } = fixture({ selfMetrics: false });
  const text = encodeText(exporter.collect());
  deepEqual(selfLines(text), []);
  ok(text.includes('ebpf_exporter_runs_total{kind="0"} 5'));
});

Deno.test("a config without maps still has its scrape series", () => {
  const self = new SelfMetrics(() => 0);
  self.addConfig("spans_only");
  self.begin();
  const names = self.families().filter((f) => f.series.length > 0).map((f) => f.name);
  deepEqual(names, [
    "ebpf_exporter_scrape_collector_duration_seconds",
    "ebpf_exporter_scrape_series",
  ]);
});

Deno.test("fill ratio is for hash maps only; series count follows the text exposition", () => {
  deepEqual(
    [MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH].map(
      hasFillRatio,
    ),
    [true, true, true, true],
  );
  deepEqual(
    [MapType.ARRAY, MapType.PERCPU_ARRAY, MapType.RINGBUF].map(hasFillRatio),
    [false, false, false],
  );
  equal(seriesIn(undefined), 0);
  const { exporter } = fixture({ selfMetrics: false });
  const families = exporter.collect();
  const histogram = families.find((f) => f.name === "ebpf_exporter_io_latency_seconds")!;
  const text = encodeText([histogram]);
  equal(seriesIn(histogram), text.split("\n").filter((l) => l.startsWith("ebpf_")).length);
});

Deno.test({
  name: "self metric names and types pass promtool check metrics",
  ignore: !promtoolAvailable(),
  async fn() {
    const { exporter } = fixture({ selfMetrics: true });
    const families = exporter.collect().filter((f) =>
      (SELF_METRIC_NAMES as readonly string[]).includes(f.name)
    );
    equal(families.length, SELF_METRIC_NAMES.length);
    const { code, output: said } = await promtoolCheckMetrics(encodeText(families));
    equal(code, 0, said);
    equal(said.trim(), "", said);
  },
});
