import assert from "#assert";
import { ConfigError, formatConfigWarning } from "./errors.ts";
import { BUCKET_TYPES, DEFAULT_FLUSH_INTERVAL_MS, parseConfig, parseGoDuration } from "./parse.ts";
import { catchConfigError, parse } from "./test_helpers.ts";

const FIXTURES = new URL("../../tests/fixtures/config/", import.meta.url);

/** Asserts that `source` fails with a ConfigError whose message contains `expected`. */
function fails(source: string, expected: string, line?: number): ConfigError {
  const caught = catchConfigError(() => parse(source));
  assert.ok(
    caught.message.includes(expected),
    `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(expected)}`,
  );
  assert.equal(caught.file, "cfg/t.yaml");
  if (line !== undefined) {
    assert.equal(caught.line, line, caught.message);
    assert.ok(caught.message.startsWith(`cfg/t.yaml:${line}: `), caught.message);
  }
  return caught;
}

/** A counter config with one label whose body is `labelBody` (indented under `- name: x`). */
function counterWithLabel(labelBody: string): string {
  return [
    "metrics:",
    "  counters:",
    "    - name: c_total",
    "      help: C",
    "      labels:",
    "        - name: x",
    ...labelBody.split("\n").map((line) => `          ${line}`),
  ].join("\n") + "\n";
}

/** A histogram config with the given extra keys and one 8-byte bucket label. */
function histogram(keys: string): string {
  return [
    "metrics:",
    "  histograms:",
    "    - name: h_seconds",
    "      help: H",
    ...keys.split("\n").map((line) => `      ${line}`),
    "      labels:",
    "        - name: bucket",
    "          size: 8",
    "          decoders:",
    "            - name: uint",
  ].join("\n") + "\n";
}

/** A counter config with the given extra keys. */
function counter(keys: string): string {
  return [
    "metrics:",
    "  counters:",
    "    - name: c_total",
    "      help: C",
    ...(keys === "" ? [] : keys.split("\n").map((line) => `      ${line}`)),
  ].join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const fixtureNames = [...Deno.readDirSync(FIXTURES)]
  .filter((entry) => entry.isFile && entry.name.endsWith(".yaml"))
  .map((entry) => entry.name)
  .sort();

Deno.test("fixtures: there are good and bad ones", () => {
  assert.ok(fixtureNames.filter((name) => name.endsWith(".good.yaml")).length >= 5);
  assert.ok(fixtureNames.filter((name) => name.endsWith(".bad.yaml")).length >= 10);
});

for (const fileName of fixtureNames) {
  const path = new URL(fileName, FIXTURES).pathname;
  if (fileName.endsWith(".good.yaml")) {
    Deno.test(`fixture ${fileName} parses without warnings`, () => {
      const source = Deno.readTextFileSync(path);
      const name = fileName.replace(/\.good\.yaml$/, "");
      const { config, warnings } = parseConfig(
        name,
        path,
        path.replace(/\.yaml$/, ".bpf.o"),
        source,
      );
      assert.deepEqual(warnings.map(formatConfigWarning), []);
      assert.equal(config.name, name);
      assert.equal(config.yamlPath, path);
      assert.ok(config.counters.length + config.histograms.length + config.spans.length > 0);
    });
  } else if (fileName.endsWith(".bad.yaml")) {
    Deno.test(`fixture ${fileName} fails as its # error: comment says`, () => {
      const source = Deno.readTextFileSync(path);
      const match = /^# error: (.+)$/m.exec(source);
      if (match === null) throw new Error(`${fileName} has no "# error:" line`);
      const expected = match[1].trim();
      const caught = catchConfigError(() => parseConfig("bad", path, "bad.bpf.o", source));
      assert.ok(
        caught.message.includes(expected),
        `${fileName}: ${JSON.stringify(caught.message)} lacks ${JSON.stringify(expected)}`,
      );
      assert.equal(caught.file, path);
      assert.equal(typeof caught.line, "number", caught.message);
      assert.ok(caught.message.startsWith(`${path}:${caught.line}: `), caught.message);
    });
  }
}

Deno.test("fixture biolatency: values as written", () => {
  const path = new URL("biolatency.good.yaml", FIXTURES).pathname;
  const { config } = parseConfig("biolatency", path, "b.bpf.o", Deno.readTextFileSync(path));
  assert.equal(config.histograms.length, 1);
  const h = config.histograms[0];
  assert.equal(h.name, "bio_latency_seconds");
  assert.equal(h.help, "Block IO latency histogram");
  assert.equal(h.bucketType, "exp2");
  assert.equal(h.bucketMin, 0);
  assert.equal(h.bucketMax, 26);
  assert.equal(h.bucketMultiplier, 0.000001);
  assert.deepEqual(h.bucketKeys, []);
  assert.equal(h.line, 4);
  assert.deepEqual(h.labels.map((l) => [l.name, l.size, l.padding]), [
    ["device", 4, 0],
    ["operation", 1, 3],
    ["bucket", 8, 0],
  ]);
  const staticMap = h.labels[1].decoders[1];
  assert.equal(staticMap.name, "static_map");
  assert.equal(staticMap.allowUnknown, false);
  assert.deepEqual([...staticMap.staticMap!], [["0", "read"], ["1", "write"], ["2", "flush"]]);
});

Deno.test("fixture bucket-types: fixed keys, linear, exp2zero, label-less counter", () => {
  const path = new URL("bucket-types.good.yaml", FIXTURES).pathname;
  const { config } = parseConfig("bt", path, "bt.bpf.o", Deno.readTextFileSync(path));
  assert.deepEqual(config.counters[0].labels, []);
  assert.equal(config.counters[0].perfEventArray, false);
  assert.equal(config.counters[0].flushIntervalMs, DEFAULT_FLUSH_INTERVAL_MS);
  const [linear, zero, fixed] = config.histograms;
  assert.equal(linear.bucketType, "linear");
  assert.equal(linear.bucketMultiplier, 50);
  assert.equal(zero.bucketType, "exp2zero");
  assert.equal(zero.bucketMultiplier, 1);
  assert.equal(fixed.bucketType, "fixed");
  assert.deepEqual(fixed.bucketKeys, [64, 128, 256, 512, 1024, 1500, 9000]);
  assert.equal(fixed.bucketMin, 64);
  assert.equal(fixed.bucketMax, 9000);
});

Deno.test("fixture spans: optional name and service default to empty", () => {
  const path = new URL("spans.good.yaml", FIXTURES).pathname;
  const { config } = parseConfig("spans", path, "s.bpf.o", Deno.readTextFileSync(path));
  assert.equal(config.spans.length, 2);
  assert.equal(config.spans[0].ringbuf, "exec_spans");
  assert.equal(config.spans[0].name, "exec");
  assert.equal(config.spans[0].service, "kernel");
  assert.equal(config.spans[0].labels.length, 6);
  assert.equal(config.spans[1].name, "");
  assert.equal(config.spans[1].service, "");
  assert.deepEqual(config.spans[1].labels[1].decoders.map((d) => d.name), ["uint", "errno"]);
});

Deno.test("fixture cgroup-kaddrs: kaddrs, cgroup_id_map defaults, regexps", () => {
  const path = new URL("cgroup-kaddrs.good.yaml", FIXTURES).pathname;
  const { config } = parseConfig("cg", path, "cg.bpf.o", Deno.readTextFileSync(path));
  assert.deepEqual(config.kaddrs, ["jiffies", "init_task"]);
  assert.deepEqual(config.cgroupIdMap, {
    name: "cgroup_id_map",
    type: "hash",
    regexps: ["^.*(system.slice/.*)$"],
  });
  assert.deepEqual(config.counters[0].labels[0].decoders[2], {
    name: "regexp",
    regexps: ["^.*(system.slice/.*)$", "^/sys/fs/cgroup/user.slice$"],
  });
});

Deno.test("fixture perf-event-array: flag and flush interval", () => {
  const path = new URL("perf-event-array.good.yaml", FIXTURES).pathname;
  const { config } = parseConfig("oom", path, "oom.bpf.o", Deno.readTextFileSync(path));
  assert.equal(config.counters[0].perfEventArray, true);
  assert.equal(config.counters[0].flushIntervalMs, 90_000);
});

Deno.test("fixture anchors: aliases and merge keys resolve", () => {
  const path = new URL("anchors.good.yaml", FIXTURES).pathname;
  const { config } = parseConfig("a", path, "a.bpf.o", Deno.readTextFileSync(path));
  const [reads, writes, other] = config.counters;
  assert.deepEqual(writes.labels, reads.labels);
  assert.equal(writes.help, "Writes by operation");
  assert.equal(other.help, "Writes by operation");
  assert.equal(other.labels[0].name, "other");
  assert.equal(other.labels[0].size, 4);
  assert.deepEqual([...other.labels[0].decoders[1].staticMap!.keys()], ["0x10", "010", "true"]);
});

Deno.test("fixture percpu-softirq: allow_unknown yes", () => {
  const path = new URL("percpu-softirq.good.yaml", FIXTURES).pathname;
  const { config } = parseConfig("p", path, "p.bpf.o", Deno.readTextFileSync(path));
  assert.equal(config.counters[0].labels[0].decoders[1].allowUnknown, true);
  assert.equal(config.counters[0].labels[1].name, "cpu");
});

// ---------------------------------------------------------------------------------------------
// Whole config

Deno.test("config: name and paths are passed through, sections default to empty", () => {
  const { config, warnings } = parse(counter(""));
  assert.equal(config.name, "t");
  assert.equal(config.yamlPath, "cfg/t.yaml");
  assert.equal(config.objectPath, "cfg/t.bpf.o");
  assert.deepEqual(config.histograms, []);
  assert.deepEqual(config.spans, []);
  assert.deepEqual(config.kaddrs, []);
  assert.equal(config.cgroupIdMap, undefined);
  assert.equal("cgroupIdMap" in config, false);
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.counters[0], {
    name: "c_total",
    help: "C",
    perfEventArray: false,
    flushIntervalMs: DEFAULT_FLUSH_INTERVAL_MS,
    labels: [],
    line: 3,
  });
});

Deno.test("config: at least one of counters, histograms, spans", () => {
  for (
    const source of [
      "kaddrs: [a]\n",
      "metrics:\n",
      "metrics: {}\n",
      "metrics:\n  counters: []\n  histograms: ~\n",
      "tracing:\n  spans: []\n",
    ]
  ) {
    fails(source, "expected at least one of metrics.counters, metrics.histograms or tracing.spans");
  }
});

Deno.test("config: empty, comment-only and scalar documents", () => {
  fails("", "got an empty document", 1);
  fails("# nothing\n", "got an empty document", 1);
  fails("metrics\n", 'expected a mapping, got "metrics"', 1);
  fails("- a\n", "expected a mapping, got a list", 1);
});

Deno.test("config: YAML syntax errors carry the parser message and line", () => {
  const error = fails("metrics:\n  counters:\n    - name: a\n   help: b\n", "expected valid YAML");
  assert.equal(typeof error.line, "number");
  fails("metrics: {counters: [\n", "expected valid YAML, got a syntax error:");
  fails("metrics:\n\tcounters: []\n", "Tabs", 2);
  fails("metrics: 'open\n", "expected valid YAML");
});

Deno.test("config: of duplicate keys the last wins (as in Go's yaml.v2), with a warning", () => {
  const { config, warnings } = parse(counter("help: again"));
  assert.equal(config.counters[0].help, "again");
  assert.deepEqual(warnings, [{
    file: "cfg/t.yaml",
    keyPath: "metrics.counters[0].help",
    line: 4,
    message: 'duplicate key "help" (ignored; the one on line 5 wins)',
  }]);
  // A repeated section silently dropped the first one upstream; here it is at least reported.
  const sections = parse(
    "metrics:\n  counters:\n    - {name: a_total, help: A}\n  counters:\n    - {name: b_total, help: B}\n",
  );
  assert.deepEqual(sections.config.counters.map((c) => c.name), ["b_total"]);
  assert.deepEqual(sections.warnings.map((w) => [w.keyPath, w.line]), [["metrics.counters", 2]]);
});

Deno.test("config: wrong node kinds", () => {
  fails("metrics: [a]\n", "metrics: expected a mapping, got a list", 1);
  fails("metrics:\n  counters: {}\n", "metrics.counters: expected a list, got a mapping", 2);
  fails("metrics:\n  counters: yes\n", 'metrics.counters: expected a list, got "yes"', 2);
  fails(
    "metrics:\n  counters:\n    - just a string\n",
    "metrics.counters[0]: expected a mapping",
    3,
  );
  fails("tracing: [a]\n", "tracing: expected a mapping, got a list", 1);
  fails(counter("labels: {name: x}"), "metrics.counters[0].labels: expected a list, got a mapping");
  fails(counter("labels: [x]"), 'metrics.counters[0].labels[0]: expected a mapping, got "x"');
});

Deno.test("config: non-scalar keys are refused", () => {
  fails("? [a, b]\n: 1\nmetrics: {}\n", "expected a plain key, got a list", 1);
});

// ---------------------------------------------------------------------------------------------
// Counters and histograms: names and help

Deno.test("metrics: name and help are required and non-empty", () => {
  fails(
    "metrics:\n  counters:\n    - help: x\n",
    "metrics.counters[0].name: expected a metric name, got no name",
    3,
  );
  fails(
    "metrics:\n  counters:\n    - name: a\n      help:\n",
    "metrics.counters[0].help: expected a help text, got nothing",
    4,
  );
  fails(
    "metrics:\n  counters:\n    - name: a\n      help: ~\n",
    "expected a help text, got null (~)",
  );
  fails("metrics:\n  counters:\n    - name: a\n      help: ''\n", "expected a help text");
  fails("metrics:\n  counters:\n    - name: a\n      help: [x]\n", "expected a string, got a list");
});

Deno.test("metrics: help keeps its source text", () => {
  const { config } = parse("metrics:\n  counters:\n    - name: a\n      help: 0x10 yes\n");
  assert.equal(config.counters[0].help, "0x10 yes");
  const quoted = parse('metrics:\n  counters:\n    - name: a\n      help: "null"\n');
  assert.equal(quoted.config.counters[0].help, "null");
});

Deno.test("metrics: names must match the Prometheus metric name regex", () => {
  for (const good of ["a", "_a", "a:b", "A_b_9", ":x"]) {
    const { config } = parse(`metrics:\n  counters:\n    - name: "${good}"\n      help: h\n`);
    assert.equal(config.counters[0].name, good);
  }
  for (const bad of ["9a", "a-b", "a.b", "a b", "é"]) {
    fails(
      `metrics:\n  counters:\n    - name: "${bad}"\n      help: h\n`,
      `expected a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*, got ${JSON.stringify(bad)}`,
      3,
    );
  }
});

Deno.test("metrics: duplicate names within a config are errors", () => {
  fails(
    "metrics:\n  counters:\n    - {name: a, help: h}\n    - {name: a, help: h}\n",
    'metrics.counters[1].name: expected metric names to be unique within a config, got "a" again' +
      " (first at metrics.counters[0], line 3)",
    4,
  );
});

Deno.test("metrics: metric lines are recorded", () => {
  const { config } = parse(
    "metrics:\n  counters:\n\n    - {name: a, help: h}\n  histograms:\n" +
      "    - name: b\n      help: h\n      bucket_type: exp2\n      bucket_max: 3\n" +
      "      labels: [{name: bucket, size: 8, decoders: [{name: uint}]}]\n",
  );
  assert.equal(config.counters[0].line, 4);
  assert.equal(config.histograms[0].line, 6);
});

// ---------------------------------------------------------------------------------------------
// Counters: perf_event_array and flush_interval

Deno.test("counters: booleans accept true/false/yes/no/on/off/y/n in any case", () => {
  const table: [string, boolean][] = [
    ["true", true],
    ["True", true],
    ["TRUE", true],
    ["yes", true],
    ["Yes", true],
    ["on", true],
    ["ON", true],
    ["false", false],
    ["False", false],
    ["no", false],
    ["NO", false],
    ["off", false],
    ["Off", false],
    ["y", true],
    ["N", false],
  ];
  for (const [text, value] of table) {
    const { config } = parse(counter(`perf_event_array: ${text}`));
    assert.equal(config.counters[0].perfEventArray, value, text);
  }
  for (const bad of ["1", "0", "t", "f", "enabled", "tru"]) {
    fails(
      counter(`perf_event_array: ${bad}`),
      `metrics.counters[0].perf_event_array: expected a boolean (true or false), got "${bad}"`,
      5,
    );
  }
  fails(counter('perf_event_array: "true"'), 'got the quoted string "true"', 5);
  fails(counter("perf_event_array: [true]"), "expected a boolean (true or false), got a list", 5);
  assert.equal(parse(counter("perf_event_array:")).config.counters[0].perfEventArray, false);
});

Deno.test("counters: flush_interval takes Go durations", () => {
  const table: [string, number][] = [
    ["1h", 3_600_000],
    ["30m", 1_800_000],
    ["1m30s", 90_000],
    ["500ms", 500],
    ["1.5h", 5_400_000],
    ["2h45m10s", 9_910_000],
    ["250us", 0.25],
    ["1000000ns", 1],
  ];
  for (const [text, ms] of table) {
    const { config, warnings } = parse(
      counter(`perf_event_array: true\nflush_interval: ${text}`),
    );
    assert.equal(config.counters[0].flushIntervalMs, ms, text);
    assert.deepEqual(warnings, []);
  }
  for (const bad of ["1", "60", "1 h", "1d", "h", "-1h", "0", "0s", "1h-5m", "ms"]) {
    fails(
      counter(`perf_event_array: true\nflush_interval: ${bad}`),
      "metrics.counters[0].flush_interval: expected a positive duration like 1h, 30m, 1m30s or " +
        `500ms, got "${bad}"`,
      6,
    );
  }
});

Deno.test("counters: flush_interval without perf_event_array warns", () => {
  const { config, warnings } = parse(counter("flush_interval: 5m"));
  assert.equal(config.counters[0].flushIntervalMs, 300_000);
  assert.deepEqual(warnings, [{
    file: "cfg/t.yaml",
    keyPath: "metrics.counters[0].flush_interval",
    line: 5,
    message: "flush_interval only applies to perf_event_array counters (ignored)",
  }]);
});

Deno.test("parseGoDuration: Go syntax in nanoseconds", () => {
  const table: [string, number | undefined][] = [
    ["0", 0],
    ["-0", 0],
    ["1ns", 1],
    ["1us", 1e3],
    ["1\u00b5s", 1e3],
    ["1\u03bcs", 1e3],
    ["1ms", 1e6],
    ["1s", 1e9],
    ["1m", 60e9],
    ["1h", 3600e9],
    ["1h30m", 5400e9],
    [".5s", 0.5e9],
    ["1.s", 1e9],
    ["-2m", -120e9],
    ["+3s", 3e9],
    ["", undefined],
    ["1", undefined],
    ["s", undefined],
    ["1d", undefined],
    ["1h 30m", undefined],
    [".s", undefined],
  ];
  for (const [text, nanos] of table) {
    assert.equal(parseGoDuration(text), nanos, text);
  }
});

// ---------------------------------------------------------------------------------------------
// Histograms

Deno.test("histograms: bucket_type must be one of the four", () => {
  assert.deepEqual(BUCKET_TYPES, ["exp2", "exp2zero", "linear", "fixed"]);
  for (const type of ["exp2", "exp2zero", "linear"]) {
    const { config } = parse(histogram(`bucket_type: ${type}\nbucket_max: 4`));
    assert.equal(config.histograms[0].bucketType, type);
  }
  fails(
    histogram("bucket_type: log2\nbucket_max: 4"),
    "metrics.histograms[0].bucket_type: expected bucket_type to be one of exp2, exp2zero, linear," +
      ' fixed, got "log2"',
    5,
  );
  fails(histogram("bucket_type: Exp2\nbucket_max: 4"), 'got "Exp2" (did you mean "exp2"?)', 5);
  fails(histogram("bucket_max: 4"), "expected bucket_type to be one of", 3);
  fails(histogram("bucket_max: 4"), "got no bucket_type", 3);
});

Deno.test("histograms: integers take the YAML 1.1 forms upstream's yaml.v2 accepts", () => {
  const { config } = parse(histogram("bucket_type: linear\nbucket_min: -3\nbucket_max: +7"));
  assert.equal(config.histograms[0].bucketMin, -3);
  assert.equal(config.histograms[0].bucketMax, 7);
  for (const bad of ["010.5", "1e3", "ten", "0x", "9007199254740993"]) {
    fails(
      histogram(`bucket_type: linear\nbucket_max: ${bad}`),
      `metrics.histograms[0].bucket_max: expected an integer, got "${bad}"`,
      6,
    );
  }
  fails(histogram("bucket_type: linear\nbucket_max: '5'"), 'got the quoted string "5"', 6);
  fails(histogram("bucket_type: linear\nbucket_min: [1]\nbucket_max: 5"), "got a list", 6);
  for (const [text, value] of [["0x10", 16], ["010", 8], ["1_000", 1000], ["0b101", 5]] as const) {
    const parsed = parse(histogram(`bucket_type: linear\nbucket_max: ${text}`));
    assert.equal(parsed.config.histograms[0].bucketMax, value, text);
  }
});

Deno.test("histograms: bucket_min defaults to 0, bucket_max is required", () => {
  const { config } = parse(histogram("bucket_type: exp2\nbucket_max: 26"));
  assert.equal(config.histograms[0].bucketMin, 0);
  fails(
    histogram("bucket_type: exp2"),
    "metrics.histograms[0].bucket_max: expected bucket_max (an integer) for bucket_type exp2",
    3,
  );
});

Deno.test("histograms: bucket_max - bucket_min == 0 and bucket_max < bucket_min", () => {
  fails(histogram("bucket_type: exp2\nbucket_max: 0"), "bucket_max - bucket_min == 0", 6);
  fails(
    histogram("bucket_type: exp2\nbucket_min: 7\nbucket_max: 7"),
    "expected bucket_max - bucket_min to be positive, got bucket_max - bucket_min == 0 (both 7)",
    7,
  );
  fails(
    histogram("bucket_type: linear\nbucket_min: 7\nbucket_max: 2"),
    "expected bucket_max to be greater than bucket_min, got bucket_max 2 < bucket_min 7",
    7,
  );
});

Deno.test("histograms: bucket_multiplier is a positive float, default 1", () => {
  const table: [string, number][] = [
    ["0.000001", 0.000001],
    ["1e-6", 1e-6],
    ["1E3", 1000],
    ["2", 2],
    ["+.5", 0.5],
    ["3.", 3],
  ];
  for (const [text, value] of table) {
    const { config } = parse(
      histogram(`bucket_type: exp2\nbucket_max: 2\nbucket_multiplier: ${text}`),
    );
    assert.equal(config.histograms[0].bucketMultiplier, value, text);
  }
  assert.equal(
    parse(histogram("bucket_type: exp2\nbucket_max: 2")).config.histograms[0]
      .bucketMultiplier,
    1,
  );
  for (const bad of ["0", "-1", ".inf", "NaN", "1/1000", "1_000.0", "0x10", "micro"]) {
    fails(
      histogram(`bucket_type: exp2\nbucket_max: 2\nbucket_multiplier: ${bad}`),
      `metrics.histograms[0].bucket_multiplier: expected a positive number, got "${bad}"`,
      7,
    );
  }
});

Deno.test("histograms: fixed needs non-empty ascending integer bucket_keys", () => {
  const { config, warnings } = parse(histogram("bucket_type: fixed\nbucket_keys: [1, 5, 10]"));
  assert.deepEqual(config.histograms[0].bucketKeys, [1, 5, 10]);
  assert.equal(config.histograms[0].bucketMin, 1);
  assert.equal(config.histograms[0].bucketMax, 10);
  assert.deepEqual(warnings, []);
  fails(histogram("bucket_type: fixed"), "got no bucket_keys", 3);
  fails(histogram("bucket_type: fixed\nbucket_keys: []"), "got an empty list", 6);
  fails(histogram("bucket_type: fixed\nbucket_keys: 5"), 'expected a list, got "5"', 6);
  fails(
    histogram("bucket_type: fixed\nbucket_keys: [1, 5, 5]"),
    "metrics.histograms[0].bucket_keys[2]: expected bucket_keys in ascending order, got 5 after 5",
    6,
  );
  fails(
    histogram("bucket_type: fixed\nbucket_keys:\n  - 1\n  - 0.5"),
    'metrics.histograms[0].bucket_keys[1]: expected an integer, got "0.5"',
    8,
  );
});

Deno.test("histograms: options of other bucket types warn", () => {
  const fixed = parse(
    histogram("bucket_type: fixed\nbucket_min: 0\nbucket_max: 3\nbucket_keys: [1, 2]"),
  );
  assert.deepEqual(fixed.warnings.map((w) => [w.keyPath, w.line]), [
    ["metrics.histograms[0].bucket_min", 6],
    ["metrics.histograms[0].bucket_max", 7],
  ]);
  assert.match(fixed.warnings[0].message, /ignored by fixed histograms/);
  const exp2 = parse(histogram("bucket_type: exp2\nbucket_max: 3\nbucket_keys: [1, 2]"));
  assert.deepEqual(exp2.warnings.map((w) => [w.keyPath, w.line]), [
    ["metrics.histograms[0].bucket_keys", 7],
  ]);
});

Deno.test("histograms: need at least one label", () => {
  const noLabels = [
    "metrics:",
    "  histograms:",
    "    - name: h",
    "      help: h",
    "      bucket_type: exp2",
    "      bucket_max: 4",
  ].join("\n");
  fails(noLabels, "metrics.histograms[0].labels: expected at least one label", 3);
  fails(noLabels + "\n      labels: []\n", "got an empty list", 7);
});

Deno.test("histograms: the bucket label is not checked as a Prometheus label, others are", () => {
  const source = (first: string, last: string) =>
    [
      "metrics:",
      "  histograms:",
      "    - name: h",
      "      help: h",
      "      bucket_type: exp2",
      "      bucket_max: 4",
      "      labels:",
      `        - {name: ${first}, size: 4, decoders: [{name: uint}]}`,
      `        - {name: ${last}, size: 4, decoders: [{name: uint}]}`,
    ].join("\n") + "\n";
  assert.equal(parse(source("op", "bucket-key")).config.histograms[0].labels[1].name, "bucket-key");
  assert.equal(parse(source("op", "le")).config.histograms[0].labels[1].name, "le");
  fails(source("le", "bucket"), 'expected a label name other than "le"', 8);
  fails(source("op-x", "bucket"), "expected a label name matching", 8);
});

// ---------------------------------------------------------------------------------------------
// Labels

Deno.test("labels: name, size, padding, decoders", () => {
  const { config } = parse(counterWithLabel("size: 1\npadding: 7\ndecoders:\n  - name: uint"));
  assert.deepEqual(config.counters[0].labels, [{
    name: "x",
    size: 1,
    padding: 7,
    decoders: [{ name: "uint" }],
  }]);
});

Deno.test("labels: size is a required positive integer, padding non-negative", () => {
  fails(counterWithLabel("decoders: [{name: uint}]"), "labels[0].size: expected size", 6);
  fails(
    counterWithLabel("size: 0\ndecoders: [{name: uint}]"),
    'positive integer, got "0"',
    7,
  );
  fails(counterWithLabel("size: -8\ndecoders: [{name: uint}]"), 'got "-8"', 7);
  fails(counterWithLabel("size: 8 bytes\ndecoders: [{name: uint}]"), 'got "8 bytes"', 7);
  fails(
    counterWithLabel("size: 4\npadding: -1\ndecoders: [{name: uint}]"),
    'labels[0].padding: expected a non-negative integer, got "-1"',
    8,
  );
  const zeroPadding = parse(counterWithLabel("size: 4\npadding: 0\ndecoders: [{name: uint}]"));
  assert.equal(zeroPadding.config.counters[0].labels[0].padding, 0);
});

Deno.test("labels: a label with no decoders is an error", () => {
  fails(counterWithLabel("size: 4"), "labels need at least one decoder", 6);
  fails(counterWithLabel("size: 4\ndecoders: []"), "labels need at least one decoder", 8);
  fails(counterWithLabel("size: 4\ndecoders:"), "labels need at least one decoder", 8);
  fails(counterWithLabel("size: 4\ndecoders: uint"), 'decoders: expected a list, got "uint"', 8);
});

Deno.test("labels: names must match the Prometheus label regex", () => {
  const source = (name: string) =>
    counter(`labels:\n  - name: "${name}"\n    size: 4\n    decoders: [{name: uint}]`);
  for (const good of ["a", "_a", "A9_b"]) {
    assert.equal(parse(source(good)).config.counters[0].labels[0].name, good);
  }
  for (const bad of ["9a", "a:b", "a-b", "a.b", ""]) {
    const expected = bad === "" ? "expected a label name" : "expected a label name matching";
    fails(source(bad), expected, 6);
  }
  fails(source("__name"), "expected a label name not starting with __", 6);
  // `le` is only reserved in histograms.
  assert.equal(parse(source("le")).config.counters[0].labels[0].name, "le");
});

Deno.test("labels: duplicate label names are errors", () => {
  fails(
    counter(
      "labels:\n  - {name: a, size: 4, decoders: [{name: uint}]}\n" +
        "  - {name: a, size: 4, decoders: [{name: uint}]}",
    ),
    'metrics.counters[0].labels[1].name: expected label names to be unique within a metric, got "a"',
    7,
  );
});

// ---------------------------------------------------------------------------------------------
// Decoders

Deno.test("decoders: name is required", () => {
  fails(
    counterWithLabel("size: 4\ndecoders:\n  - {}"),
    "decoders[0].name: expected a decoder name",
    9,
  );
  fails(
    counterWithLabel("size: 4\ndecoders:\n  - name:"),
    "expected a decoder name, got nothing",
    9,
  );
  fails(
    counterWithLabel("size: 4\ndecoders:\n  - uint"),
    'decoders[0]: expected a mapping, got "uint"',
    9,
  );
});

Deno.test("decoders: static_map keys and values keep their source text", () => {
  const { config } = parse(counterWithLabel(
    [
      "size: 4",
      "decoders:",
      "  - name: uint",
      "  - name: static_map",
      "    static_map:",
      "      0x10: hex",
      "      010: octal",
      "      1_000: underscore",
      "      true: bool",
      "      yes: yes",
      "      1e3: 1e3",
      "      .inf: .inf",
      "      '16': quoted",
      '      "0o7": 0o7',
      "      2: 0x02",
      "      3: ~",
      "      4: null",
      "      5:",
      "      -1: minus",
      "      +1: plus",
      "      1.0: one point zero",
    ].join("\n"),
  ));
  const map = config.counters[0].labels[0].decoders[1].staticMap!;
  assert.deepEqual([...map], [
    ["0x10", "hex"],
    ["010", "octal"],
    ["1_000", "underscore"],
    ["true", "bool"],
    ["yes", "yes"],
    ["1e3", "1e3"],
    [".inf", ".inf"],
    ["16", "quoted"],
    ["0o7", "0o7"],
    ["2", "0x02"],
    ["3", "~"],
    ["4", "null"],
    ["5", ""],
    ["-1", "minus"],
    ["+1", "plus"],
    ["1.0", "one point zero"],
  ]);
  assert.equal(map.has("16"), true);
  assert.equal(map.has("1000"), false);
  assert.equal(map.has("8"), false);
});

Deno.test("decoders: static_map must be a mapping of scalars", () => {
  const decoder = (body: string) =>
    counterWithLabel(`size: 4\ndecoders:\n  - name: static_map\n${body}`);
  fails(
    decoder("    static_map: [a, b]"),
    "decoders[0].static_map: expected static_map to be a mapping",
    10,
  );
  fails(
    decoder("    static_map: read"),
    'expected static_map to be a mapping of input to output, got "read"',
    10,
  );
  fails(
    decoder("    static_map:\n      1: [a]"),
    "decoders[0].static_map.1: expected a scalar output value, got a list",
    11,
  );
  fails(
    decoder("    static_map:\n      1: {a: b}"),
    "expected a scalar output value, got a mapping",
    11,
  );
  fails(decoder("    static_map:\n      ? [1]\n      : a"), "expected a plain key, got a list", 11);
  const repeated = parse(decoder("    static_map:\n      1: a\n      '1': b\n      2: c"));
  assert.deepEqual([...repeated.config.counters[0].labels[0].decoders[0].staticMap!], [
    ["1", "b"],
    ["2", "c"],
  ]);
  assert.deepEqual(repeated.warnings.map((w) => [w.keyPath, w.line, w.message]), [[
    "metrics.counters[0].labels[0].decoders[0].static_map.1",
    11,
    'duplicate key "1" (ignored; the one on line 12 wins)',
  ]]);
  fails(decoder("    allow_unknown: true"), "expected static_map, a mapping of input to output", 9);
});

Deno.test("decoders: allow_unknown is a boolean defaulting to false", () => {
  const decoder = (extra: string) =>
    counterWithLabel(`size: 4\ndecoders:\n  - name: static_map\n    static_map: {1: a}\n${extra}`);
  assert.equal(parse(decoder("")).config.counters[0].labels[0].decoders[0].allowUnknown, false);
  for (const text of ["true", "yes", "On"]) {
    const { config } = parse(decoder(`    allow_unknown: ${text}`));
    assert.equal(config.counters[0].labels[0].decoders[0].allowUnknown, true, text);
  }
  fails(
    decoder("    allow_unknown: maybe"),
    'allow_unknown: expected a boolean (true or false), got "maybe"',
    11,
  );
});

Deno.test("decoders: regexps is a non-empty list of strings", () => {
  const decoder = (body: string) =>
    counterWithLabel(`size: 16\ndecoders:\n  - name: string\n  - name: regexp\n${body}`);
  const { config } = parse(
    decoder("    regexps:\n      - ^systemd-journal$\n      - '^syslog-ng$'"),
  );
  assert.deepEqual(config.counters[0].labels[0].decoders[1], {
    name: "regexp",
    regexps: ["^systemd-journal$", "^syslog-ng$"],
  });
  fails(decoder("    regexps: ^a$"), 'decoders[1].regexps: expected a list, got "^a$"', 11);
  fails(decoder("    regexps: {a: b}"), "expected a list, got a mapping", 11);
  fails(
    decoder("    regexps:\n      - [a]"),
    "decoders[1].regexps[0]: expected a non-empty string, got a list",
    12,
  );
  fails(decoder("    regexps:\n      - ~"), "regexps[0]: expected a non-empty string", 12);
  fails(decoder("    regexps: []"), "expected regexps, a non-empty list of patterns", 11);
  fails(decoder(""), "expected regexps, a non-empty list of patterns, for the regexp decoder", 10);
});

Deno.test("decoders: options that another decoder uses warn", () => {
  const { config, warnings } = parse(counterWithLabel(
    "size: 4\ndecoders:\n  - name: uint\n    static_map: {1: a}\n    allow_unknown: true\n" +
      "    regexps: [a]",
  ));
  assert.deepEqual(config.counters[0].labels[0].decoders, [{ name: "uint" }]);
  assert.deepEqual(warnings.map((w) => [w.keyPath, w.line, w.message]), [
    [
      "metrics.counters[0].labels[0].decoders[0].static_map",
      10,
      "static_map is only used by the static_map decoder (ignored for uint)",
    ],
    [
      "metrics.counters[0].labels[0].decoders[0].allow_unknown",
      11,
      "allow_unknown is only used by the static_map decoder (ignored for uint)",
    ],
    [
      "metrics.counters[0].labels[0].decoders[0].regexps",
      12,
      "regexps is only used by the regexp decoder (ignored for uint)",
    ],
  ]);
});

// ---------------------------------------------------------------------------------------------
// Spans, kaddrs, cgroup_id_map

Deno.test("spans: ringbuf and labels are required, span labels are free-form", () => {
  const span = (body: string) => `tracing:\n  spans:\n    - ${body}\n`;
  const { config } = parse(
    span("{ringbuf: rb, labels: [{name: span.name, size: 8, decoders: [{name: hex}]}]}"),
  );
  assert.deepEqual(config.spans, [{
    ringbuf: "rb",
    name: "",
    service: "",
    labels: [{ name: "span.name", size: 8, padding: 0, decoders: [{ name: "hex" }] }],
  }]);
  fails(
    span("{name: x, labels: [{name: a, size: 8, decoders: [{name: hex}]}]}"),
    "tracing.spans[0].ringbuf: expected a ring buffer map name",
    3,
  );
  fails(span("{ringbuf: rb}"), "tracing.spans[0].labels: expected at least one label", 3);
  fails(span("{ringbuf: rb, labels: []}"), "got an empty list", 3);
  fails("tracing:\n  spans: {ringbuf: rb}\n", "tracing.spans: expected a list, got a mapping", 2);
});

Deno.test("spans: two span configs may not share a ring buffer", () => {
  const item = "    - {ringbuf: rb, labels: [{name: a, size: 8, decoders: [{name: hex}]}]}";
  fails(
    `tracing:\n  spans:\n${item}\n${item}\n`,
    'tracing.spans[1].ringbuf: expected each ring buffer to feed one span config, got "rb" again',
    4,
  );
});

Deno.test("kaddrs: a list of strings", () => {
  const { config } = parse(counter("") + "kaddrs:\n  - jiffies\n  - 'init_task'\n");
  assert.deepEqual(config.kaddrs, ["jiffies", "init_task"]);
  fails(counter("") + "kaddrs: jiffies\n", 'kaddrs: expected a list, got "jiffies"', 5);
  fails(
    counter("") + "kaddrs:\n  - {a: b}\n",
    "kaddrs[0]: expected a non-empty string, got a mapping",
    6,
  );
  fails(counter("") + "kaddrs:\n  -\n", "kaddrs[0]: expected a non-empty string, got nothing");
});

Deno.test("cgroup_id_map: name, type hash|cgrp_storage, regexps", () => {
  const base = counter("");
  const hash = parse(base + "cgroup_id_map:\n  name: m\n  type: hash\n  regexps: [^a$]\n");
  assert.deepEqual(hash.config.cgroupIdMap, { name: "m", type: "hash", regexps: ["^a$"] });
  const storage = parse(base + "cgroup_id_map: {name: m, type: cgrp_storage, regexps: [a, b]}\n");
  assert.deepEqual(storage.config.cgroupIdMap, {
    name: "m",
    type: "cgrp_storage",
    regexps: ["a", "b"],
  });
  const defaulted = parse(base + "cgroup_id_map: {name: m, regexps: [a]}\n");
  assert.equal(defaulted.config.cgroupIdMap?.type, "hash");
  assert.equal(parse(base + "cgroup_id_map:\n").config.cgroupIdMap, undefined);
  fails(base + "cgroup_id_map: [m]\n", "cgroup_id_map: expected a mapping, got a list", 5);
  fails(base + "cgroup_id_map: {regexps: [a]}\n", "cgroup_id_map.name: expected a map name", 5);
  fails(
    base + "cgroup_id_map:\n  name: m\n  type: lru\n  regexps: [a]\n",
    'cgroup_id_map.type: expected type to be one of hash, cgrp_storage, got "lru"',
    7,
  );
  fails(base + "cgroup_id_map: {name: m}\n", "cgroup_id_map.regexps: expected regexps", 5);
  fails(base + "cgroup_id_map: {name: m, regexps: a}\n", 'expected a list, got "a"', 5);
});

// ---------------------------------------------------------------------------------------------
// Unknown keys

Deno.test("unknown keys: warnings with key path, line and suggestion", () => {
  const source = [
    "metrics:", // 1
    "  counters:", // 2
    "    - name: c", // 3
    "      help: c", // 4
    "      label:", // 5
    "        - name: x", // 6
    "  histograms:", // 7
    "    - name: h", // 8
    "      help: h", // 9
    "      bucket_typ: exp2", // 10
    "      bucket_type: exp2", // 11
    "      bucket_max: 4", // 12
    "      labels:", // 13
    "        - name: op", // 14
    "          size: 4", // 15
    "          sise: 4", // 16
    "          decoders:", // 17
    "            - name: static_map", // 18
    "              static_maps: {1: a}", // 19
    "              static_map: {1: a}", // 20
    "              colour: blue", // 21
    "        - name: bucket", // 22
    "          size: 8", // 23
    "          decoders: [{name: uint}]", // 24
    "tracing:", // 25
    "  span: []", // 26
    "Metrics: {}", // 27
    "kaddr: [a]", // 28
  ].join("\n") + "\n";
  const { config, warnings } = parse(source);
  assert.equal(config.counters[0].labels.length, 0);
  assert.equal(config.histograms[0].bucketType, "exp2");
  assert.deepEqual(warnings.map((w) => [w.file, w.keyPath, w.line, w.message]), [
    [
      "cfg/t.yaml",
      "metrics.counters[0].label",
      5,
      'unknown key "label" (ignored; did you mean "labels"?)',
    ],
    [
      "cfg/t.yaml",
      "metrics.histograms[0].bucket_typ",
      10,
      'unknown key "bucket_typ" (ignored; did you mean "bucket_type"?)',
    ],
    [
      "cfg/t.yaml",
      "metrics.histograms[0].labels[0].sise",
      16,
      'unknown key "sise" (ignored; did you mean "size"?)',
    ],
    [
      "cfg/t.yaml",
      "metrics.histograms[0].labels[0].decoders[0].static_maps",
      19,
      'unknown key "static_maps" (ignored; did you mean "static_map"?)',
    ],
    [
      "cfg/t.yaml",
      "metrics.histograms[0].labels[0].decoders[0].colour",
      21,
      'unknown key "colour" (ignored)',
    ],
    ["cfg/t.yaml", "tracing.span", 26, 'unknown key "span" (ignored; did you mean "spans"?)'],
    ["cfg/t.yaml", "Metrics", 27, 'unknown key "Metrics" (ignored; did you mean "metrics"?)'],
    ["cfg/t.yaml", "kaddr", 28, 'unknown key "kaddr" (ignored; did you mean "kaddrs"?)'],
  ]);
  assert.equal(
    formatConfigWarning(warnings[1]),
    'cfg/t.yaml:10: metrics.histograms[0].bucket_typ: unknown key "bucket_typ" (ignored; did you' +
      ' mean "bucket_type"?)',
  );
});

Deno.test("unknown keys: far-off keys get no suggestion", () => {
  const { warnings } = parse(counter("description: x\nx: 1"));
  assert.deepEqual(warnings.map((w) => w.message), [
    'unknown key "description" (ignored)',
    'unknown key "x" (ignored)',
  ]);
});

Deno.test("unknown keys: a misspelled key leaves the real one missing", () => {
  fails(
    histogram("bucket_typ: exp2\nbucket_max: 4"),
    "metrics.histograms[0].bucket_type: expected bucket_type",
    3,
  );
});

Deno.test("YAML warnings (unresolved tags) are passed on", () => {
  const { config, warnings } = parse(
    "metrics:\n  counters:\n    - name: c\n      help: !!int 5\n",
  );
  assert.equal(config.counters[0].help, "5");
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].line, 4);
  assert.match(warnings[0].message, /^YAML: /);
});

// ---------------------------------------------------------------------------------------------
// Aliases and merge keys

Deno.test("aliases: nodes reached through aliases parse like inline ones", () => {
  const source = [
    "labels: &labels",
    "  - name: x",
    "    size: 4",
    "    decoders: [{name: uint}]",
    "metrics:",
    "  counters:",
    "    - name: a",
    "      help: a",
    "      labels: *labels",
  ].join("\n") + "\n";
  const { config, warnings } = parse(source);
  assert.equal(config.counters[0].labels[0].name, "x");
  assert.deepEqual(warnings.map((w) => [w.keyPath, w.line]), [["labels", 1]]);
});

Deno.test("merge keys: explicit keys win, errors in merged nodes point at the anchor", () => {
  const source = [
    "base: &base {name: base, help: Base help, perf_event_array: maybe}", // 1
    "metrics:", // 2
    "  counters:", // 3
    "    - <<: *base", // 4
    "      name: a", // 5
  ].join("\n") + "\n";
  fails(
    source,
    'metrics.counters[0].perf_event_array: expected a boolean (true or false), got "maybe"',
    1,
  );
  const ok = parse(
    "base: &base {name: base, help: Base help}\nmetrics:\n  counters:\n    - <<: [*base]\n      name: a\n",
  );
  assert.equal(ok.config.counters[0].name, "a");
  assert.equal(ok.config.counters[0].help, "Base help");
  fails(
    "s: &s hello\nmetrics:\n  counters:\n    - <<: *s\n      name: a\n",
    'metrics.counters[0].<<: expected merge key << to refer to a mapping or a list of mappings, got "hello"',
    4,
  );
  const inline = parse("metrics:\n  counters:\n    - <<: {help: Inline help}\n      name: a\n");
  assert.equal(inline.config.counters[0].help, "Inline help");
  assert.deepEqual(inline.warnings, []);
});

Deno.test("merge keys: an alias bomb is a ConfigError, not hours of work (fuzz regression)", () => {
  // Each line merges the previous mapping twice: 2^30 merges from 31 lines.
  let source = "l0: &l0 {x: 1, y: 2}\n";
  for (let i = 1; i <= 30; i++) source += `l${i}: &l${i} {<<: [*l${i - 1}, *l${i - 1}]}\n`;
  const started = performance.now();
  const caught = fails(
    source + "metrics: {<<: *l30}\n",
    "metrics: expected merge keys (<<) to bring in at most 100000 keys per document",
  );
  assert.ok(caught.line !== undefined);
  assert.ok(performance.now() - started < 2000, "the bound stops the expansion early");
  // A mapping that merges itself twice runs into the nesting bound (it used to be 2^32 calls).
  fails("m: &m {a: 1, <<: [*m, *m]}\nmetrics: *m\n", "expected merge keys nested at most 32 deep");
  // Ordinary merges stay well under the bound.
  const base = "base: &base {help: Base help}\nmetrics:\n  counters:\n";
  const many = Array.from({ length: 2000 }, (_, i) => `    - {<<: *base, name: c${i}}\n`);
  assert.equal(parse(base + many.join("")).config.counters.length, 2000);
});

Deno.test("aliases: thousands of aliases load in linear time, redefined anchors (fuzz regression)", () => {
  const n = 4000;
  const source = "h: &h Help\nd: &d [{name: uint}]\nmetrics:\n  counters:\n" +
    Array.from(
      { length: n },
      (_, i) => `    - {name: c${i}, help: *h, labels: [{name: a, size: 4, decoders: *d}]}\n`,
    ).join("");
  const started = performance.now();
  const { config } = parse(source);
  const elapsed = performance.now() - started;
  assert.equal(config.counters.length, n);
  assert.equal(config.counters[n - 1].help, "Help");
  assert.equal(config.counters[n - 1].labels[0].decoders[0].name, "uint");
  // 2000 such counters took 30 s when every alias walked the whole document.
  assert.ok(elapsed < 5000, `took ${elapsed.toFixed(0)} ms`);
  // An alias refers to the latest anchor of its name before it, as YAML says.
  const redefined = parse(
    [
      "a: &x {help: first}",
      "metrics:",
      "  counters:",
      "    - {name: a, <<: *x}",
      "    - {name: b, <<: &x {help: second}}",
      "    - {name: c, <<: *x}",
    ].join("\n") + "\n",
  );
  assert.deepEqual(redefined.config.counters.map((c) => c.help), ["first", "second", "second"]);
});

Deno.test("duplicate keys: a huge static_map parses in linear time (fuzz regression)", () => {
  const n = 50_000;
  const entries = Array.from({ length: n }, (_, i) => `      k${i}: v${i}`).join("\n");
  const source = counterWithLabel(
    "size: 8\ndecoders:\n  - name: static_map\n    static_map:\n" + entries + "\n      k7: again",
  );
  const started = performance.now();
  const { config, warnings } = parse(source);
  const elapsed = performance.now() - started;
  const map = config.counters[0].labels[0].decoders[0].staticMap!;
  assert.equal(map.size, n);
  assert.equal(map.get("k7"), "again");
  assert.deepEqual([...map.keys()].slice(-2), [`k${n - 1}`, "k7"], "a repeated key moves last");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0].message, /duplicate key "k7"/);
  // It took 9.5 s for 40k keys when each key searched the ones before it.
  assert.ok(elapsed < 5000, `took ${elapsed.toFixed(0)} ms`);
});

Deno.test("histograms: a bucket range too large to allocate is a ConfigError (fuzz regression)", () => {
  const linear = (min: string, max: string) =>
    [
      "metrics:",
      "  histograms:",
      "    - name: h",
      "      help: h",
      "      bucket_type: linear",
      `      bucket_min: ${min}`,
      `      bucket_max: ${max}`,
      "      labels: [{name: bucket, size: 8, decoders: [{name: uint}]}]",
    ].join("\n") + "\n";
  fails(
    linear("0", "9007199254740991"),
    "metrics.histograms[0].bucket_max: expected at most 65536 buckets (bucket_max - bucket_min + 1), " +
      "got 9007199254740992 buckets (bucket_min 0, bucket_max 9007199254740991)",
    7,
  );
  fails(linear("-40000", "40000"), "expected at most 65536 buckets");
  assert.equal(parse(linear("-32768", "32767")).config.histograms[0].bucketMax, 32767);
});

Deno.test("histograms: bounds that overflow or collide are a ConfigError (fuzz regression)", () => {
  // exp2 bucket 1024 and above all have the bound +Inf: the exposition had le="+Inf" twice.
  fails(
    histogram("bucket_type: exp2\nbucket_max: 1100"),
    "metrics.histograms[0].bucket_max: expected finite, increasing bucket bounds " +
      "(exp2 with bucket_multiplier 1), got bucket 1024 has bound Infinity",
  );
  // Below 2^-1074 every bound is 0.
  fails(
    histogram("bucket_type: exp2\nbucket_min: -1100\nbucket_max: 0"),
    "metrics.histograms[0].bucket_min: expected finite, increasing bucket bounds",
  );
  // exp2zero puts bucket 0 at 0, below bucket -1 (0.25).
  fails(
    histogram("bucket_type: exp2zero\nbucket_min: -1\nbucket_max: 3"),
    "got bucket 0 has bound 0, bucket -1 0.25",
  );
  fails(
    histogram("bucket_type: fixed\nbucket_keys: [1, 2]\nbucket_multiplier: 1e308"),
    "metrics.histograms[0].bucket_keys[1]: expected finite, increasing bucket bounds",
  );
  fails(
    histogram("bucket_type: linear\nbucket_max: 4\nbucket_multiplier: 1e308"),
    "got bucket 2 has bound Infinity",
  );
  // The largest exp2 layout that still works, and negative linear keys, load.
  assert.equal(parse(histogram("bucket_type: exp2\nbucket_max: 1023")).config.histograms.length, 1);
  assert.equal(
    parse(histogram("bucket_type: linear\nbucket_min: -5\nbucket_max: 5")).config.histograms[0]
      .bucketMin,
    -5,
  );
});

// ---------------------------------------------------------------------------------------------
// Errors

Deno.test("ConfigError: message format with and without line and key path", () => {
  const full = new ConfigError({
    file: "a.yaml",
    keyPath: "metrics.counters[0]",
    line: 3,
    expected: "expected a mapping",
    found: "a list",
  });
  assert.equal(full.message, "a.yaml:3: metrics.counters[0]: expected a mapping, got a list");
  assert.equal(full.name, "ConfigError");
  assert.equal(full.line, 3);
  assert.equal(full.expected, "expected a mapping");
  assert.equal(full.found, "a list");
  const bare = new ConfigError({ file: "a.yaml", keyPath: "", expected: "config file not found" });
  assert.equal(bare.message, "a.yaml: config file not found");
  assert.equal(bare.line, undefined);
  assert.ok(bare instanceof Error);
  assert.equal(
    formatConfigWarning({ file: "a.yaml", keyPath: "x", message: "m" }),
    "a.yaml: x: m",
  );
});
