/**
 * The protobuf exposition format: `io.prometheus.client.MetricFamily` messages, each preceded by
 * its length as a varint (`encoding=delimited`), as the Go client writes them.
 *
 * This module builds the messages with the code generated from the official `metrics.proto`
 * (`gen/metrics_pb.ts`) and serialises them with `@bufbuild/protobuf`: it is the readable
 * reference, and decodes expositions for the tests. The handler serves the same bytes through
 * `protobufByteChunks` (`protobuf_bytes.ts`), which writes them directly: about ten times faster
 * on big histograms, and the exporter does not load `@bufbuild/protobuf` at run time. Tests hold
 * the two byte-identical.
 *
 * What each family becomes, as `prometheus.MustNewConstMetric` / `MustNewConstHistogram` make it:
 * name, help, type; one `Metric` per series with its labels (sorted by name) and a `counter` or
 * `gauge` value, or a `histogram` with `sample_count`, `sample_sum` and the classic buckets
 * (cumulative, without `+Inf`). Exp2-shaped histograms also carry native buckets
 * (`native_histogram.ts`).
 * @module
 */

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { sizeDelimitedEncode, sizeDelimitedPeek } from "@bufbuild/protobuf/wire";
import type { HistogramFamily, HistogramSeries, MetricFamily } from "../metrics/family.ts";
import {
  type Histogram as PbHistogram,
  HistogramSchema,
  type Metric as PbMetric,
  type MetricFamily as PbMetricFamily,
  MetricFamilySchema,
  MetricSchema,
  MetricType,
} from "./gen/metrics_pb.ts";
import {
  deltaInt64,
  NATIVE_SCHEMA,
  NATIVE_ZERO_THRESHOLD,
  nativeBuckets,
  type NativeLayout,
  nativeLayout,
} from "./native_histogram.ts";

export { PROTOBUF_CONTENT_TYPE } from "./protobuf_bytes.ts";

/** Largest uint64, the value a count at or beyond 2^64 saturates to. */
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * A count as the uint64 the Go client would hold: integral, 0 for negative or NaN, saturated at
 * 2^64 - 1. (Counts from maps are integers; this only pins down the impossible cases.)
 */
export function toUint64(v: number): bigint {
  if (!(v > 0)) return 0n;
  if (v >= 2 ** 64) return UINT64_MAX;
  return BigInt(Math.floor(v));
}

function histogram(
  s: HistogramSeries,
  bounds: readonly number[],
  layout: NativeLayout | undefined,
): PbHistogram {
  const classic = {
    sampleCount: toUint64(s.count),
    sampleSum: s.sum,
    // An explicit +Inf bound is kept, as the Go client keeps any bound it is given.
    bucket: bounds.map((upperBound, i) => ({
      cumulativeCount: toUint64(s.cumulative[i]),
      upperBound,
    })),
  };
  if (!layout) return create(HistogramSchema, classic);
  const native = nativeBuckets(layout, s.cumulative);
  return create(HistogramSchema, {
    ...classic,
    schema: NATIVE_SCHEMA,
    zeroThreshold: NATIVE_ZERO_THRESHOLD,
    zeroCount: toUint64(native.zeroCount),
    positiveSpan: native.spans.map(([offset, length]) => ({ offset, length })),
    positiveDelta: native.deltas.map(deltaInt64),
  });
}

/**
 * One family as the `MetricFamily` message the Go client would send.
 *
 * @example
 * ```ts
 * import { LabelSet } from "../metrics/family.ts";
 * import { toProtoFamily } from "./protobuf.ts";
 * const pb = toProtoFamily({ name: "up", help: "Up.", type: "gauge", series: [{ labels: LabelSet.EMPTY, value: 1 }] });
 * pb.metric[0].gauge?.value; // 1
 * ```
 */
export function toProtoFamily(family: MetricFamily): PbMetricFamily {
  const metric: PbMetric[] = [];
  if (family.type === "histogram") {
    const layout = nativeLayout(family as HistogramFamily);
    for (const s of family.series) {
      metric.push(create(MetricSchema, {
        label: labelPairs(s.labels.names, s.labels.values),
        histogram: histogram(s, family.bounds, layout),
      }));
    }
  } else {
    const counter = family.type === "counter";
    for (const s of family.series) {
      const value = { value: s.value };
      metric.push(create(MetricSchema, {
        label: labelPairs(s.labels.names, s.labels.values),
        ...(counter ? { counter: value } : { gauge: value }),
      }));
    }
  }
  return create(MetricFamilySchema, {
    name: family.name,
    help: family.help,
    type: family.type === "counter"
      ? MetricType.COUNTER
      : family.type === "gauge"
      ? MetricType.GAUGE
      : MetricType.HISTOGRAM,
    metric,
  });
}

function labelPairs(names: readonly string[], values: readonly string[]) {
  return names.map((name, i) => ({ name, value: values[i] }));
}

/**
 * Encodes families (in the order given; empty ones omitted, as the Go registry drops them) as
 * delimited protobuf, through the generated code. The reference for {@link protobufByteChunks}.
 *
 * @example
 * ```ts
 * import { encodeProtobuf } from "./protobuf.ts";
 * encodeProtobuf([]).length; // 0
 * ```
 */
export function encodeProtobuf(families: Iterable<MetricFamily>): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const family of families) {
    if (family.series.length === 0) continue;
    const part = sizeDelimitedEncode(MetricFamilySchema, toProtoFamily(family));
    parts.push(part);
    total += part.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One family's message without the length prefix (for tests). */
export function encodeProtoFamily(family: MetricFamily): Uint8Array {
  return toBinary(MetricFamilySchema, toProtoFamily(family));
}

/**
 * Decodes a delimited protobuf exposition with the generated code (tests, debugging); throws on a
 * truncated message.
 *
 * @example
 * ```ts
 * import { decodeProtobuf } from "./protobuf.ts";
 * decodeProtobuf(new Uint8Array()); // []
 * ```
 */
export function decodeProtobuf(bytes: Uint8Array): PbMetricFamily[] {
  const out: PbMetricFamily[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    const peek = sizeDelimitedPeek(rest);
    if (peek.eof || peek.offset + peek.size > rest.length) {
      throw new Error(`truncated MetricFamily at byte ${bytes.length - rest.length}`);
    }
    const end = peek.offset + peek.size;
    out.push(fromBinary(MetricFamilySchema, rest.subarray(peek.offset, end)));
    rest = rest.subarray(end);
  }
  return out;
}
