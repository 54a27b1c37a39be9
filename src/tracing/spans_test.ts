import { deepEqual, equal, match, notEqual, ok, throws } from "#assert";
import type { LabelConfig, SpanConfig } from "../config/types.ts";
import { DecodeError } from "../decoders/decoder.ts";
import { label, TEST_ENV } from "../metrics/test_env.ts";
import { type SpanClock, type SpanData, SpanDecoder, SpanSink } from "./spans.ts";

const CLOCK: SpanClock = {
  nowUnixNs: () => 1_700_000_000_000_000_000n,
  monotonicOffsetNs: () => 1_600_000_000_000_000_000n,
};

const BASE_LABELS: LabelConfig[] = [
  label("trace_id", 16, ["hex"]),
  label("parent_span_id", 8, ["hex"]),
  label("span_id", 8, ["hex"]),
  label("span_monotonic_timestamp_ns", 8, ["uint"]),
  label("span_duration_ns", 8, ["uint"]),
];

function spanConfig(extra: LabelConfig[] = [], over: Partial<SpanConfig> = {}): SpanConfig {
  return {
    ringbuf: "exec_spans",
    name: "exec",
    service: "",
    labels: [...BASE_LABELS, ...extra],
    ...over,
  };
}

interface RecordFields {
  trace?: number;
  parent?: number;
  span?: number;
  start?: bigint;
  duration?: bigint;
  tail?: Uint8Array;
}

/** A record laid out like `struct span_base_t` plus `tail`. */
function record(f: RecordFields = {}): Uint8Array {
  const tail = f.tail ?? new Uint8Array(0);
  const bytes = new Uint8Array(48 + tail.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 16; i++) bytes[i] = f.trace === undefined ? i + 1 : f.trace;
  for (let i = 0; i < 8; i++) bytes[16 + i] = f.parent ?? 0xa1 + i;
  for (let i = 0; i < 8; i++) bytes[24 + i] = f.span ?? 0xb1 + i;
  view.setBigUint64(32, f.start ?? 5_000_000_000n, true);
  view.setBigUint64(40, f.duration ?? 1234n, true);
  bytes.set(tail, 48);
  return bytes;
}

function text(s: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(new TextEncoder().encode(s));
  return out;
}

Deno.test("spans: reserved labels fill the span, others become attributes", () => {
  const decoder = new SpanDecoder(
    spanConfig([label("comm", 16, ["string"]), label("span_name", 8, ["string"])]),
    "exec-trace",
    TEST_ENV,
  );
  const tail = new Uint8Array(24);
  tail.set(text("bash", 16));
  tail.set(text("execve", 8), 16);
  const span = decoder.decode(record({ tail }), CLOCK);
  deepEqual(
    span,
    {
      name: "execve",
      traceId: "0102030405060708090a0b0c0d0e0f10",
      spanId: "b1b2b3b4b5b6b7b8",
      parentSpanId: "a1a2a3a4a5a6a7a8",
      startUnixNs: 1_600_000_005_000_000_000n,
      durationNs: 1234n,
      attributes: { comm: "bash", "ebpf_exporter.config": "exec-trace" },
    } satisfies SpanData,
  );
});

Deno.test("spans: a present but empty span_name gives an empty name", () => {
  const decoder = new SpanDecoder(spanConfig([label("span_name", 8, ["string"])]), "c", TEST_ENV);
  equal(decoder.decode(record({ tail: new Uint8Array(8) }), CLOCK)?.name, "");
});

Deno.test("spans: the name is the config's, else the ring buffer's", () => {
  equal(new SpanDecoder(spanConfig(), "c", TEST_ENV).decode(record(), CLOCK)?.name, "exec");
  equal(
    new SpanDecoder(spanConfig([], { name: "" }), "c", TEST_ENV).decode(record(), CLOCK)?.name,
    "exec_spans",
  );
});

Deno.test("spans: zero span id is made up, zero parent makes a root span", () => {
  let n = 0;
  const decoder = new SpanDecoder(spanConfig(), "c", TEST_ENV, () => `00000000000000f${n++}`);
  const span = decoder.decode(record({ span: 0, parent: 0 }), CLOCK)!;
  equal(span.spanId, "00000000000000f0");
  equal(span.parentSpanId, undefined);
  const random = new SpanDecoder(spanConfig(), "c", TEST_ENV).decode(record({ span: 0 }), CLOCK)!;
  match(random.spanId, /^[0-9a-f]{16}$/);
  notEqual(random.spanId, "0000000000000000");
});

Deno.test("spans: all-zero trace id, short records and bad ids are decode errors", () => {
  const decoder = new SpanDecoder(spanConfig(), "c", TEST_ENV);
  throws(() => decoder.decode(record({ trace: 0 }), CLOCK), DecodeError);
  throws(() => decoder.decode(record().subarray(0, 47), CLOCK), DecodeError);
  // trace_id decoded as text (not hex) cannot be an id
  const bad = new SpanDecoder(
    { ...spanConfig(), labels: [label("trace_id", 16, ["string"]), ...BASE_LABELS.slice(1)] },
    "c",
    TEST_ENV,
  );
  throws(() => bad.decode(record(), CLOCK), DecodeError);
  // no trace_id label at all
  const none = new SpanDecoder(
    { ...spanConfig(), labels: [label("comm", 4, ["string"])] },
    "c",
    TEST_ENV,
  );
  throws(() => none.decode(new Uint8Array(4), CLOCK), DecodeError);
});

Deno.test("spans: no timestamp label starts the span now; a regexp drop is no span", () => {
  const decoder = new SpanDecoder(
    {
      ...spanConfig(),
      labels: BASE_LABELS.filter((l) => l.name !== "span_monotonic_timestamp_ns"),
    },
    "c",
    TEST_ENV,
  );
  const bytes = record();
  const withoutTs = new Uint8Array(40);
  withoutTs.set(bytes.subarray(0, 32));
  withoutTs.set(bytes.subarray(40, 48), 32);
  equal(decoder.decode(withoutTs, CLOCK)?.startUnixNs, 1_700_000_000_000_000_000n);

  const dropping = new SpanDecoder(
    spanConfig([label("comm", 8, ["string", { name: "regexp", regexps: ["^sshd$"] }])]),
    "c",
    TEST_ENV,
  );
  equal(dropping.decode(record({ tail: text("bash", 8) }), CLOCK), null);
  ok(dropping.decode(record({ tail: text("sshd", 8) }), CLOCK));
});

Deno.test("span sink: decode errors are counted, spans go to the target with the service", () => {
  const got: [SpanData, string][] = [];
  const errors = { count: 0 };
  let offsetReads = 0;
  const clock: SpanClock = {
    nowUnixNs: CLOCK.nowUnixNs,
    monotonicOffsetNs: () => {
      offsetReads++;
      return 10n;
    },
  };
  const sink = new SpanSink(
    spanConfig([], { service: "kernel" }),
    "exec-trace",
    TEST_ENV,
    errors,
    { export: (span, service) => got.push([span, service]) },
    clock,
  );
  sink.begin();
  sink.record(record({ start: 100n }));
  sink.record(record({ trace: 0 }));
  sink.record(new Uint8Array(3));
  sink.record(record({ start: 200n }));
  equal(errors.count, 2);
  deepEqual(got.map(([s, service]) => [s.startUnixNs, service]), [[110n, "kernel"], [
    210n,
    "kernel",
  ]]);
  equal(offsetReads, 1, "the clock offset is read once per batch");
});

Deno.test("span sink: without a target records are decoded and dropped", () => {
  const errors = { count: 0 };
  const sink = new SpanSink(spanConfig(), "c", TEST_ENV, errors, undefined, CLOCK);
  sink.begin();
  sink.record(record());
  sink.record(record({ trace: 0 }));
  equal(errors.count, 1);
});
