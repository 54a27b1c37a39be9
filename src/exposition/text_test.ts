import { deepEqual, equal, ok } from "#assert";
import {
  type HistogramFamily,
  LabelSet,
  type MetricFamily,
  type ScalarFamily,
} from "../metrics/family.ts";
import {
  encodeText,
  escapeHelp,
  escapeLabelValue,
  formatSampleValue,
  renderLabels,
  TEXT_CONTENT_TYPE,
  textChunks,
} from "./text.ts";

function counter(
  name: string,
  help: string,
  series: [Record<string, string>, number][],
): ScalarFamily {
  return {
    name,
    help,
    type: "counter",
    series: series.map(([l, value]) => ({ labels: LabelSet.of(l), value })),
  };
}

function histogram(
  name: string,
  bounds: number[],
  series: [Record<string, string>, number[], number, number][],
): HistogramFamily {
  return {
    name,
    help: "A histogram.",
    type: "histogram",
    bounds,
    series: series.map(([l, cum, count, sum]) => ({
      labels: LabelSet.of(l),
      cumulative: Float64Array.from(cum),
      count,
      sum,
    })),
  };
}

Deno.test("TEXT_CONTENT_TYPE is the 0.0.4 content type", () => {
  equal(TEXT_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
});

Deno.test("escapeHelp escapes backslash and newline only", () => {
  equal(escapeHelp("plain"), "plain");
  equal(escapeHelp("a\\b"), "a\\\\b");
  equal(escapeHelp("line1\nline2"), "line1\\nline2");
  equal(escapeHelp('quote " stays'), 'quote " stays');
  equal(escapeHelp("\\n"), "\\\\n");
  equal(escapeHelp("\t\r"), "\t\r");
});

Deno.test("escapeLabelValue escapes backslash, quote and newline", () => {
  equal(escapeLabelValue("plain"), "plain");
  equal(escapeLabelValue(""), "");
  equal(escapeLabelValue("a\\b"), "a\\\\b");
  equal(escapeLabelValue('say "hi"'), 'say \\"hi\\"');
  equal(escapeLabelValue("f1\nf2\nf3"), "f1\\nf2\\nf3");
  equal(escapeLabelValue("tab\tcr\r"), "tab\tcr\r");
  equal(escapeLabelValue("ünïcødé ✓"), "ünïcødé ✓");
  equal(escapeLabelValue('\\"\n'), '\\\\\\"\\n');
});

Deno.test("renderLabels renders sorted pairs and memoises in the rendered slot", () => {
  const set = LabelSet.of({ z: "last", a: 'q"uote', m: "x\ny" });
  equal(set.rendered, undefined);
  const r = renderLabels(set);
  equal(r, 'a="q\\"uote",m="x\\ny",z="last"');
  equal(set.rendered, r);
  set.rendered = "memo";
  equal(renderLabels(set), "memo");
  equal(renderLabels(new LabelSet([], [])), "");
  equal(renderLabels(new LabelSet(["a"], [""])), 'a=""');
});

Deno.test("formatSampleValue writes both zeros as 0, like the Go client's writeFloat", () => {
  equal(formatSampleValue(0), "0");
  equal(formatSampleValue(-0), "0");
  equal(formatSampleValue(1), "1");
  equal(formatSampleValue(-1), "-1");
  equal(formatSampleValue(1287408), "1.287408e+06");
  equal(formatSampleValue(Infinity), "+Inf");
  equal(formatSampleValue(-Infinity), "-Inf");
  equal(formatSampleValue(NaN), "NaN");
});

Deno.test("encodeText: counter with and without labels", () => {
  const got = encodeText([
    counter("ebpf_exporter_timer_starts_total", "Timers fired in the kernel", [
      [{ function: "tcp_write_timer" }, 12],
      [{ function: "delayed_work_timer_fn" }, 1287408],
    ]),
    { name: "up", help: "Up.", type: "gauge", series: [{ labels: LabelSet.EMPTY, value: 1 }] },
  ]);
  equal(
    got,
    "# HELP ebpf_exporter_timer_starts_total Timers fired in the kernel\n" +
      "# TYPE ebpf_exporter_timer_starts_total counter\n" +
      'ebpf_exporter_timer_starts_total{function="tcp_write_timer"} 12\n' +
      'ebpf_exporter_timer_starts_total{function="delayed_work_timer_fn"} 1.287408e+06\n' +
      "# HELP up Up.\n" +
      "# TYPE up gauge\n" +
      "up 1\n",
  );
});

Deno.test("encodeText: several labels, escaping in help and values", () => {
  const got = encodeText([
    counter("x_total", "Help with \\ and\nnewline", [
      [{ b: "2", a: 'a"b', c: "l1\nl2", d: "back\\slash" }, 0.5],
    ]),
  ]);
  equal(
    got,
    "# HELP x_total Help with \\\\ and\\nnewline\n" +
      "# TYPE x_total counter\n" +
      'x_total{a="a\\"b",b="2",c="l1\\nl2",d="back\\\\slash"} 0.5\n',
  );
});

Deno.test("encodeText: empty help still writes the HELP line with its space", () => {
  equal(
    encodeText([counter("c", "", [[{}, 3]])]),
    "# HELP c \n# TYPE c counter\nc 3\n",
  );
});

Deno.test("encodeText: special values", () => {
  const fam: ScalarFamily = {
    name: "g",
    help: "h",
    type: "gauge",
    series: [NaN, Infinity, -Infinity, -0, 1e-6, 2 ** 64].map((value, i) => ({
      labels: LabelSet.of({ i: String(i) }),
      value,
    })),
  };
  equal(
    encodeText([fam]),
    "# HELP g h\n# TYPE g gauge\n" +
      'g{i="0"} NaN\ng{i="1"} +Inf\ng{i="2"} -Inf\ng{i="3"} 0\ng{i="4"} 1e-06\n' +
      'g{i="5"} 1.8446744073709552e+19\n',
  );
});

Deno.test("encodeText: histogram layout with labels (golden)", () => {
  const fam = histogram("ebpf_exporter_bio_latency_seconds", [1e-6, 2e-6, 4e-6, 0.001024, 1], [
    [{ device: "nvme0n1", operation: "write" }, [0, 3, 10, 10, 1287408], 1287410, 0.125],
    [{ device: "sda", operation: "read" }, [1, 1, 1, 1, 1], 1, 1e-6],
  ]);
  equal(
    encodeText([fam]),
    `# HELP ebpf_exporter_bio_latency_seconds A histogram.
# TYPE ebpf_exporter_bio_latency_seconds histogram
ebpf_exporter_bio_latency_seconds_bucket{device="nvme0n1",operation="write",le="1e-06"} 0
ebpf_exporter_bio_latency_seconds_bucket{device="nvme0n1",operation="write",le="2e-06"} 3
ebpf_exporter_bio_latency_seconds_bucket{device="nvme0n1",operation="write",le="4e-06"} 10
ebpf_exporter_bio_latency_seconds_bucket{device="nvme0n1",operation="write",le="0.001024"} 10
ebpf_exporter_bio_latency_seconds_bucket{device="nvme0n1",operation="write",le="1"} 1.287408e+06
ebpf_exporter_bio_latency_seconds_bucket{device="nvme0n1",operation="write",le="+Inf"} 1.28741e+06
ebpf_exporter_bio_latency_seconds_sum{device="nvme0n1",operation="write"} 0.125
ebpf_exporter_bio_latency_seconds_count{device="nvme0n1",operation="write"} 1.28741e+06
ebpf_exporter_bio_latency_seconds_bucket{device="sda",operation="read",le="1e-06"} 1
ebpf_exporter_bio_latency_seconds_bucket{device="sda",operation="read",le="2e-06"} 1
ebpf_exporter_bio_latency_seconds_bucket{device="sda",operation="read",le="4e-06"} 1
ebpf_exporter_bio_latency_seconds_bucket{device="sda",operation="read",le="0.001024"} 1
ebpf_exporter_bio_latency_seconds_bucket{device="sda",operation="read",le="1"} 1
ebpf_exporter_bio_latency_seconds_bucket{device="sda",operation="read",le="+Inf"} 1
ebpf_exporter_bio_latency_seconds_sum{device="sda",operation="read"} 1e-06
ebpf_exporter_bio_latency_seconds_count{device="sda",operation="read"} 1
`,
  );
});

Deno.test("encodeText: histogram without labels (golden)", () => {
  const fam = histogram("h", [0, 1, 2], [[{}, [0, 2, 5], 7, 9.5]]);
  equal(
    encodeText([fam]),
    `# HELP h A histogram.
# TYPE h histogram
h_bucket{le="0"} 0
h_bucket{le="1"} 2
h_bucket{le="2"} 5
h_bucket{le="+Inf"} 7
h_sum 9.5
h_count 7
`,
  );
});

Deno.test("encodeText: histogram with no bounds has only +Inf, sum and count", () => {
  const fam = histogram("h", [], [[{ a: "1" }, [], 0, 0]]);
  equal(
    encodeText([fam]),
    '# HELP h A histogram.\n# TYPE h histogram\nh_bucket{a="1",le="+Inf"} 0\nh_sum{a="1"} 0\n' +
      'h_count{a="1"} 0\n',
  );
});

Deno.test("encodeText: an explicit +Inf bound is not repeated", () => {
  const fam = histogram("h", [1, Infinity], [[{}, [1, 4], 4, 3]]);
  equal(
    encodeText([fam]),
    '# HELP h A histogram.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 4\n' +
      "h_sum 3\nh_count 4\n",
  );
});

Deno.test("encodeText: label values escaped in bucket, sum and count lines", () => {
  const fam = histogram("h", [1], [[{ s: 'x"\n\\' }, [1], 1, 1]]);
  const lbl = 's="x\\"\\n\\\\"';
  equal(
    encodeText([fam]),
    `# HELP h A histogram.\n# TYPE h histogram\nh_bucket{${lbl},le="1"} 1\n` +
      `h_bucket{${lbl},le="+Inf"} 1\nh_sum{${lbl}} 1\nh_count{${lbl}} 1\n`,
  );
});

Deno.test("encodeText: families with zero series are omitted entirely", () => {
  const empty: MetricFamily[] = [
    counter("a_total", "A.", []),
    histogram("b", [1, 2], []),
    { name: "c", help: "C.", type: "gauge", series: [] },
  ];
  equal(encodeText(empty), "");
  equal(
    encodeText([empty[0], counter("d_total", "D.", [[{}, 1]]), empty[1]]),
    "# HELP d_total D.\n# TYPE d_total counter\nd_total 1\n",
  );
  deepEqual([...textChunks(empty)], []);
});

Deno.test("encodeText: families are written in the order given", () => {
  const out = encodeText([counter("z", "Z.", [[{}, 1]]), counter("a", "A.", [[{}, 2]])]);
  ok(out.indexOf("# HELP z") < out.indexOf("# HELP a"));
});

Deno.test("textChunks: chunks are near the requested size and concatenate to the whole", () => {
  const series = Array.from({ length: 5000 }, (_, i) => ({
    labels: LabelSet.of({ id: String(i) }),
    value: i,
  }));
  const fam: ScalarFamily = { name: "big_total", help: "Big.", type: "counter", series };
  const hist = histogram(
    "lat",
    [1, 2, 4, 8],
    Array.from({ length: 500 }, (_, i) => [{ k: String(i) }, [1, 2, 3, 4], 5, 6]),
  );
  const chunks = [...textChunks([fam, hist], 4096)];
  ok(chunks.length > 10);
  for (const c of chunks.slice(0, -1)) {
    ok(c.length >= 4096 && c.length < 4096 + 200, `chunk of ${c.length}`);
  }
  ok(chunks.every((c) => c.length > 0));
  equal(chunks.join(""), encodeText([fam, hist]));
  ok(chunks.join("").endsWith('lat_count{k="499"} 5\n'));
});

Deno.test("textChunks: a tiny chunk size still yields whole output", () => {
  const fam = histogram("h", [1, 2], [[{ a: "1" }, [1, 2], 2, 3], [{ a: "2" }, [0, 0], 0, 0]]);
  const chunks = [...textChunks([fam], 1)];
  equal(chunks.join(""), encodeText([fam]));
  equal(chunks.length, 6);
});

Deno.test("textChunks: 100k series encode quickly and memoise label sets", () => {
  const series = Array.from({ length: 100_000 }, (_, i) => ({
    labels: LabelSet.of({ cpu: String(i % 64), function: `fn_${i}` }),
    value: i * 3,
  }));
  const fam: ScalarFamily = { name: "many_total", help: "Many.", type: "counter", series };
  const t0 = performance.now();
  let bytes = 0;
  for (const c of textChunks([fam])) bytes += c.length;
  const first = performance.now() - t0;
  ok(bytes > 3_000_000);
  ok(series.every((s) => s.labels.rendered !== undefined));
  const t1 = performance.now();
  for (const _ of textChunks([fam])) { /* drain */ }
  const second = performance.now() - t1;
  ok(first < 2000 && second < 2000, `first ${first}ms, second ${second}ms`);
});
