import { equal } from "#assert";
import { LabelSet, type MetricFamily } from "../metrics/family.ts";
import {
  encodeOpenMetrics,
  formatOpenMetricsFloat,
  formatUint,
  openMetricsByteChunks,
  openMetricsUnit,
} from "./openmetrics.ts";

Deno.test("OpenMetrics floats: Go's 'g' format with .0 when it has neither . nor e", () => {
  const cases: [number, string][] = [
    [0, "0.0"],
    [-0, "0.0"],
    [1, "1.0"],
    [-1, "-1.0"],
    [12, "12.0"],
    [999999, "999999.0"],
    [1e6, "1e+06"],
    [1287408, "1.287408e+06"],
    [0.001, "0.001"],
    [1e-6, "1e-06"],
    [0.009000000000000001, "0.009000000000000001"],
    [9.999999999999999e-5, "9.999999999999999e-05"],
    [-3, "-3.0"],
    [2.5, "2.5"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ];
  for (const [v, s] of cases) equal(formatOpenMetricsFloat(v), s, String(v));
});

Deno.test("OpenMetrics counts are unsigned integers, never exponents", () => {
  equal(formatUint(0), "0");
  equal(formatUint(1e6), "1000000");
  equal(formatUint(2 ** 53 + 2), "9007199254740994");
  equal(formatUint(2 ** 64), "18446744073709551615");
  equal(formatUint(-5), "0");
  equal(formatUint(NaN), "0");
});

Deno.test("units are the base-unit suffixes of the family name", () => {
  equal(openMetricsUnit("ebpf_exporter_io_latency_seconds"), "seconds");
  equal(openMetricsUnit("ebpf_exporter_rx_bytes"), "bytes");
  equal(openMetricsUnit("cpu_ratio"), "ratio");
  equal(openMetricsUnit("seconds"), undefined);
  equal(openMetricsUnit("_seconds"), undefined);
  equal(openMetricsUnit("ebpf_exporter_timer_starts"), undefined);
  equal(openMetricsUnit("ebpf_exporter_milliseconds"), undefined);
});

const FAMILIES: MetricFamily[] = [
  {
    name: "ebpf_exporter_io_bytes_total",
    help: 'Bytes "moved"\nby \\ requests',
    type: "counter",
    series: [
      { labels: LabelSet.of({ op: "read" }), value: 1e6 },
      { labels: LabelSet.of({ op: 'we"ird\n\\' }), value: 0 },
    ],
  },
  {
    name: "ebpf_exporter_ebpf_program_run_time_seconds",
    help: "A counter without _total",
    type: "counter",
    series: [{ labels: LabelSet.of({ id: "7" }), value: 0.25 }],
  },
  {
    name: "ebpf_exporter_up",
    help: "",
    type: "gauge",
    series: [{ labels: LabelSet.EMPTY, value: 1 }],
  },
  { name: "ebpf_exporter_nothing", help: "n", type: "gauge", series: [] },
  {
    name: "ebpf_exporter_wait_seconds",
    help: "Waits",
    type: "histogram",
    bounds: [0, 1, 2, 4],
    series: [
      { labels: LabelSet.EMPTY, cumulative: Float64Array.of(1, 1, 1e6, 1e6), count: 1e6, sum: 0 },
      {
        labels: LabelSet.of({ cpu: "1" }),
        cumulative: Float64Array.of(0, 2, 3, 3),
        count: 5,
        sum: 20,
      },
    ],
  },
  {
    name: "explicit_inf",
    help: "h",
    type: "histogram",
    bounds: [0.5, Infinity],
    series: [{ labels: LabelSet.EMPTY, cumulative: Float64Array.of(1, 2), count: 2, sum: 1 }],
  },
];

const EXPECTED = `# HELP ebpf_exporter_io_bytes Bytes \\"moved\\"\\nby \\\\ requests
# TYPE ebpf_exporter_io_bytes counter
# UNIT ebpf_exporter_io_bytes bytes
ebpf_exporter_io_bytes_total{op="read"} 1e+06
ebpf_exporter_io_bytes_total{op="we\\"ird\\n\\\\"} 0.0
# HELP ebpf_exporter_ebpf_program_run_time_seconds A counter without _total
# TYPE ebpf_exporter_ebpf_program_run_time_seconds unknown
# UNIT ebpf_exporter_ebpf_program_run_time_seconds seconds
ebpf_exporter_ebpf_program_run_time_seconds{id="7"} 0.25
# HELP ebpf_exporter_up 
# TYPE ebpf_exporter_up gauge
ebpf_exporter_up 1.0
# HELP ebpf_exporter_wait_seconds Waits
# TYPE ebpf_exporter_wait_seconds histogram
# UNIT ebpf_exporter_wait_seconds seconds
ebpf_exporter_wait_seconds_bucket{le="0.0"} 1
ebpf_exporter_wait_seconds_bucket{le="1.0"} 1
ebpf_exporter_wait_seconds_bucket{le="2.0"} 1000000
ebpf_exporter_wait_seconds_bucket{le="4.0"} 1000000
ebpf_exporter_wait_seconds_bucket{le="+Inf"} 1000000
ebpf_exporter_wait_seconds_sum 0.0
ebpf_exporter_wait_seconds_count 1000000
ebpf_exporter_wait_seconds_bucket{cpu="1",le="0.0"} 0
ebpf_exporter_wait_seconds_bucket{cpu="1",le="1.0"} 2
ebpf_exporter_wait_seconds_bucket{cpu="1",le="2.0"} 3
ebpf_exporter_wait_seconds_bucket{cpu="1",le="4.0"} 3
ebpf_exporter_wait_seconds_bucket{cpu="1",le="+Inf"} 5
ebpf_exporter_wait_seconds_sum{cpu="1"} 20.0
ebpf_exporter_wait_seconds_count{cpu="1"} 5
# HELP explicit_inf h
# TYPE explicit_inf histogram
explicit_inf_bucket{le="0.5"} 1
explicit_inf_bucket{le="+Inf"} 2
explicit_inf_sum 1.0
explicit_inf_count 2
# EOF
`;

Deno.test("OpenMetrics exposition: _total, unknown, UNIT, escaping, integer counts, # EOF", () => {
  equal(encodeOpenMetrics(FAMILIES), EXPECTED);
});

Deno.test("OpenMetrics byte chunks are the same at any chunk size, none empty", () => {
  const big: MetricFamily[] = [{
    name: "big_total",
    help: "b",
    type: "counter",
    series: Array.from({ length: 5000 }, (_, i) => ({
      labels: LabelSet.of({ id: String(i), name: "é" + i }),
      value: i * 1.5,
    })),
  }, ...FAMILIES];
  const whole = encodeOpenMetrics(big);
  for (const size of [1, 7, 100, 4096]) {
    const decoder = new TextDecoder();
    let out = "";
    let n = 0;
    for (const chunk of openMetricsByteChunks(big, size)) {
      equal(chunk.length > 0, true);
      out += decoder.decode(chunk, { stream: true });
      n++;
    }
    equal(out + decoder.decode(), whole, `chunk size ${size}`);
    equal(n > 1, true);
  }
});

Deno.test("OpenMetrics with nothing to expose is just # EOF", () => {
  equal(encodeOpenMetrics([]), "# EOF\n");
  equal(encodeOpenMetrics([{ name: "x", help: "", type: "gauge", series: [] }]), "# EOF\n");
});
