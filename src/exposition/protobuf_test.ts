import { deepEqual, equal, throws } from "#assert";
import { create } from "@bufbuild/protobuf";
import { LabelSet, type MetricFamily } from "../metrics/family.ts";
import { COUNTS, randomFamilies } from "./test_families.ts";
import {
  type MetricFamily as PbMetricFamily,
  MetricFamilySchema,
  MetricType,
} from "./gen/metrics_pb.ts";
import { decodeProtobuf, encodeProtobuf, toUint64 } from "./protobuf.ts";
import { protobufByteChunks } from "./protobuf_bytes.ts";

/** The fast encoder's output, joined, checking that no chunk is empty. */
function fast(families: MetricFamily[], chunkSize?: number): Uint8Array {
  const chunks = [...protobufByteChunks(families, chunkSize)];
  for (const c of chunks) equal(c.length > 0, true, "empty chunk");
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, message: string): void {
  equal(actual.length, expected.length, `${message}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new Error(`${message}: byte ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

const FAMILIES: MetricFamily[] = [
  {
    name: "ebpf_exporter_timer_starts_total",
    help: "Timers fired",
    type: "counter",
    series: [
      { labels: LabelSet.of({ function: "tick_sched_timer" }), value: 12 },
      { labels: LabelSet.of({ function: "" }), value: 0 },
    ],
  },
  {
    name: "ebpf_exporter_enabled_configs",
    help: "The set of enabled configs",
    type: "gauge",
    series: [{ labels: LabelSet.EMPTY, value: 1 }],
  },
  {
    name: "ebpf_exporter_empty",
    help: "No series: omitted",
    type: "gauge",
    series: [],
  },
  {
    name: "ebpf_exporter_bio_latency_seconds",
    help: "Block IO latency",
    type: "histogram",
    bounds: [1e-6, 2e-6, 4e-6, 8e-6],
    series: [{
      labels: LabelSet.of({ device: "nvme0n1", operation: "write" }),
      cumulative: Float64Array.of(2, 2, 7, 7),
      count: 7,
      sum: 2.5e-5,
    }],
  },
  {
    name: "ebpf_exporter_run_queue_length",
    help: "Linear: classic buckets only",
    type: "histogram",
    bounds: [0, 1, 2, 3],
    series: [{
      labels: LabelSet.EMPTY,
      cumulative: Float64Array.of(1, 1, 4, 4),
      count: 5,
      sum: 6,
    }],
  },
];

/** The messages the Go client would send for {@link FAMILIES}. */
function expectedMessages(): PbMetricFamily[] {
  return [
    create(MetricFamilySchema, {
      name: "ebpf_exporter_timer_starts_total",
      help: "Timers fired",
      type: MetricType.COUNTER,
      metric: [
        { label: [{ name: "function", value: "tick_sched_timer" }], counter: { value: 12 } },
        { label: [{ name: "function", value: "" }], counter: { value: 0 } },
      ],
    }),
    create(MetricFamilySchema, {
      name: "ebpf_exporter_enabled_configs",
      help: "The set of enabled configs",
      type: MetricType.GAUGE,
      metric: [{ gauge: { value: 1 } }],
    }),
    create(MetricFamilySchema, {
      name: "ebpf_exporter_bio_latency_seconds",
      help: "Block IO latency",
      type: MetricType.HISTOGRAM,
      metric: [{
        label: [{ name: "device", value: "nvme0n1" }, { name: "operation", value: "write" }],
        histogram: {
          sampleCount: 7n,
          sampleSum: 2.5e-5,
          bucket: [
            { cumulativeCount: 2n, upperBound: 1e-6 },
            { cumulativeCount: 2n, upperBound: 2e-6 },
            { cumulativeCount: 7n, upperBound: 4e-6 },
            { cumulativeCount: 7n, upperBound: 8e-6 },
          ],
          // 1e-6 is nearest to 2^-20: kernel buckets 0..3 are native -20..-17.
          schema: 0,
          zeroThreshold: 2 ** -128,
          zeroCount: 0n,
          positiveSpan: [{ offset: -20, length: 3 }],
          positiveDelta: [2n, -2n, 5n],
        },
      }],
    }),
    create(MetricFamilySchema, {
      name: "ebpf_exporter_run_queue_length",
      help: "Linear: classic buckets only",
      type: MetricType.HISTOGRAM,
      metric: [{
        histogram: {
          sampleCount: 5n,
          sampleSum: 6,
          bucket: [
            { cumulativeCount: 1n, upperBound: 0 },
            { cumulativeCount: 1n, upperBound: 1 },
            { cumulativeCount: 4n, upperBound: 2 },
            { cumulativeCount: 4n, upperBound: 3 },
          ],
        },
      }],
    }),
  ];
}

Deno.test("protobuf round trip: decoding what we encode gives the Go client's messages", () => {
  const bytes = fast(FAMILIES);
  deepEqual(decodeProtobuf(bytes), expectedMessages());
  deepEqual(decodeProtobuf(encodeProtobuf(FAMILIES)), expectedMessages());
});

Deno.test("protobuf: a classic-only histogram has no native fields on the wire", () => {
  const [, , , linear] = decodeProtobuf(fast(FAMILIES));
  const h = linear.metric[0].histogram!;
  equal(h.positiveSpan.length, 0);
  // proto2 presence: the native fields were never set, not merely zero.
  equal(Object.hasOwn(h, "schema"), false);
  equal(Object.hasOwn(h, "zeroThreshold"), false);
});

Deno.test("protobuf: the fixed wire bytes of a small counter family", () => {
  const bytes = fast([{
    name: "a_total",
    help: "h",
    type: "counter",
    series: [{ labels: LabelSet.of({ x: "y" }), value: 0 }],
  }]);
  // len 35 | name "a_total" | help "h" | type 0 (present though 0) | metric { label {x, y}
  // counter { value 0.0 } }: every field the Go client sets is written, even when zero.
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
  equal(
    hex,
    "23 0a 07 61 5f 74 6f 74 61 6c 12 01 68 18 00 22 13 0a 06 0a 01 78 12 01 79 1a 09 09 00 00 00 00 00 00 00 00",
  );
});

Deno.test("the byte writer spells exactly what the generated code encodes", () => {
  for (let seed = 1; seed <= 150; seed++) {
    const families = randomFamilies(seed);
    const expected = encodeProtobuf(families);
    sameBytes(fast(families), expected, `seed ${seed}`);
    sameBytes(fast(families, 7), expected, `seed ${seed}, tiny chunks`);
  }
});

Deno.test("counts at the varint boundaries and beyond 2^53 round-trip as uint64", () => {
  const bounds = COUNTS.map((_, i) => i + 1);
  const cumulative = Float64Array.from(COUNTS);
  const families: MetricFamily[] = [{
    name: "h",
    help: "",
    type: "histogram",
    bounds,
    series: [{ labels: LabelSet.EMPTY, cumulative, count: 2 ** 64, sum: 0 }],
  }];
  const [decoded] = decodeProtobuf(fast(families));
  const buckets = decoded.metric[0].histogram!.bucket.map((b) => b.cumulativeCount);
  deepEqual(buckets, COUNTS.map(toUint64));
  equal(toUint64(2 ** 53 + 2), 9007199254740994n);
  equal(toUint64(2 ** 64), 18446744073709551615n);
  equal(toUint64(-1), 0n);
  equal(toUint64(NaN), 0n);
  equal(decoded.metric[0].histogram!.sampleCount, 18446744073709551615n);
});

Deno.test("a truncated exposition is refused by the decoder", () => {
  const bytes = fast(FAMILIES);
  throws(() => decodeProtobuf(bytes.subarray(0, bytes.length - 1)), /truncated/);
  deepEqual(decodeProtobuf(new Uint8Array()), []);
});

Deno.test("nothing to expose is an empty body", () => {
  equal(fast([]).length, 0);
  equal(encodeProtobuf([]).length, 0);
});
