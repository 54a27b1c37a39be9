/**
 * The delimited protobuf exposition written straight into byte chunks: the same bytes as
 * `encodeProtobuf` (`protobuf.ts`, built with the generated `metrics.proto` code and
 * `@bufbuild/protobuf`, the reference), without building a message object per series and bucket.
 *
 * Field order, presence and encodings follow the Go client's output: fields in number order, every
 * field the Go client sets written even when zero (proto2 presence), repeated `sint64` deltas
 * unpacked (proto2's default). A family's length prefix needs its size before its first byte, so
 * each family is sized first (arithmetic only; native buckets are computed once and kept), then
 * written, and handed out in chunks of about `chunkSize` bytes as it goes.
 * @module
 */

import {
  type HistogramFamily,
  type HistogramSeries,
  type LabelSet,
  type MetricFamily,
  type ScalarFamily,
  seriesCount,
} from "../metrics/family.ts";
import type { LabelTable } from "../metrics/label_table.ts";
import {
  deltaInt64,
  NATIVE_SCHEMA,
  NATIVE_ZERO_THRESHOLD,
  type NativeBuckets,
  nativeBuckets,
  nativeLayout,
} from "./native_histogram.ts";

/** The `Content-Type` of the delimited protobuf format (the Go client's `FmtProtoDelim`). */
export const PROTOBUF_CONTENT_TYPE =
  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/** Size of the byte chunks {@link protobufByteChunks} yields. */
export const PROTOBUF_CHUNK_SIZE = 64 * 1024;

const utf8 = new TextEncoder();

// Tags (field number << 3 | wire type): 0 varint, 1 fixed64, 2 length-delimited.
const FAMILY_NAME = 0x0a;
const FAMILY_HELP = 0x12;
const FAMILY_TYPE = 0x18;
const FAMILY_METRIC = 0x22;
const METRIC_LABEL = 0x0a;
const METRIC_GAUGE = 0x12;
const METRIC_COUNTER = 0x1a;
const METRIC_HISTOGRAM = 0x3a;
const VALUE_DOUBLE = 0x09; // Gauge.value, Counter.value: field 1, fixed64
const LABEL_NAME = 0x0a;
const LABEL_VALUE = 0x12;
const H_SAMPLE_COUNT = 0x08;
const H_SAMPLE_SUM = 0x11;
const H_BUCKET = 0x1a;
const H_SCHEMA = 0x28;
const H_ZERO_THRESHOLD = 0x31;
const H_ZERO_COUNT = 0x38;
const H_POSITIVE_SPAN = 0x62;
const H_POSITIVE_DELTA = 0x68;
const BUCKET_COUNT = 0x08;
const BUCKET_UPPER_BOUND = 0x11;
const SPAN_OFFSET = 0x08;
const SPAN_LENGTH = 0x10;

const TYPE_NUMBER = { counter: 0, gauge: 1, histogram: 4 } as const;

/** Bytes of a varint holding `v` (a non-negative integer; 2^64 and above: the 10 of uint64 max). */
function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  if (v >= 2 ** 64) return 10;
  let n = 4;
  v = Math.floor(v / 0x10000000);
  while (v > 0) {
    n++;
    v = Math.floor(v / 128);
  }
  return n;
}

/** A count as the Go client's uint64: integral, 0 for negative or NaN (2^64 and above saturate). */
function u64(v: number): number {
  return v > 0 ? Math.floor(v) : 0;
}

/** Zigzag encoding of a signed integer (sint32 / sint64), as a non-negative double. */
function zigzag(v: number): number {
  return v >= 0 ? 2 * v : -2 * v - 1;
}

/** Zigzag of a delta too large for double arithmetic to stay exact (saturated to int64). */
function zigzagBig(v: number): bigint {
  const b = deltaInt64(v);
  return b >= 0n ? b << 1n : (-b << 1n) - 1n;
}

const labelMemo = new WeakMap<LabelSet, Uint8Array>();

/** The repeated `label` fields of a Metric for a label set, memoised per set. */
function labelFields(labels: LabelSet): Uint8Array {
  let b = labelMemo.get(labels);
  if (b !== undefined) return b;
  const parts: number[] = [];
  const { names, values } = labels;
  for (let i = 0; i < names.length; i++) {
    const n = utf8.encode(names[i]);
    const v = utf8.encode(values[i]);
    const pairSize = 1 + varintSize(n.length) + n.length + 1 + varintSize(v.length) + v.length;
    parts.push(METRIC_LABEL);
    pushVarint(parts, pairSize);
    parts.push(LABEL_NAME);
    pushVarint(parts, n.length);
    for (const x of n) parts.push(x);
    parts.push(LABEL_VALUE);
    pushVarint(parts, v.length);
    for (const x of v) parts.push(x);
  }
  b = Uint8Array.from(parts);
  labelMemo.set(labels, b);
  return b;
}

function pushVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** A growable buffer over the current chunk, with the protobuf primitives. */
class ProtoWriter {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(readonly size: number) {
    this.buf = new Uint8Array(size + 4096);
    this.view = new DataView(this.buf.buffer);
  }

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A varint of a non-negative integer below 2^64 (2^64 and above: uint64 max). */
  varint(v: number): void {
    this.room(10);
    const buf = this.buf;
    let p = this.pos;
    if (v >= 2 ** 64) {
      for (let i = 0; i < 9; i++) buf[p++] = 0xff;
      buf[p++] = 0x01;
    } else if (v < 0x80000000) {
      while (v >= 0x80) {
        buf[p++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[p++] = v;
    } else {
      while (v >= 0x80) {
        buf[p++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      buf[p++] = v;
    }
    this.pos = p;
  }

  bigVarint(v: bigint): void {
    this.room(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  double(v: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  take(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.buf = new Uint8Array(this.size + 4096);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
    return out;
  }
}

/** Largest delta magnitude whose zigzag stays exact in double arithmetic. */
const EXACT_DELTA = 2 ** 52;

function deltaSize(d: number): number {
  if (d > -EXACT_DELTA && d < EXACT_DELTA) return varintSize(zigzag(d));
  let z = zigzagBig(d);
  let n = 1;
  while (z >= 0x80n) {
    n++;
    z >>= 7n;
  }
  return n;
}

/** Sizes and native buckets of one histogram series, computed before writing. */
interface HistogramPlan {
  /** Size of the Histogram message. */
  readonly size: number;
  /** Native buckets, when the family has them. */
  readonly native: NativeBuckets | undefined;
}

function spanSize(offset: number, length: number): number {
  return 1 + varintSize(zigzag(offset)) + 1 + varintSize(length);
}

/** What a Histogram message is made of (a series without its labels). */
type HistogramCounts = Pick<HistogramSeries, "cumulative" | "count" | "sum">;

function planHistogram(
  s: HistogramCounts,
  bounds: readonly number[],
  native: NativeBuckets | undefined,
): HistogramPlan {
  let size = 1 + varintSize(u64(s.count)) + 1 + 8;
  const cum = s.cumulative;
  for (let j = 0; j < bounds.length; j++) {
    // Bucket: count (tag + varint) and bound (tag + 8); the message is under 128 bytes.
    size += 2 + 1 + varintSize(u64(cum[j])) + 1 + 8;
  }
  if (native) {
    size += 1 + varintSize(zigzag(NATIVE_SCHEMA)) + 1 + 8 + 1 + varintSize(u64(native.zeroCount));
    for (const [offset, length] of native.spans) size += 2 + spanSize(offset, length);
    for (const d of native.deltas) size += 1 + deltaSize(d);
  }
  return { size, native };
}

function writeHistogram(
  w: ProtoWriter,
  s: HistogramCounts,
  bounds: readonly number[],
  plan: HistogramPlan,
): void {
  w.byte(H_SAMPLE_COUNT);
  w.varint(u64(s.count));
  w.byte(H_SAMPLE_SUM);
  w.double(s.sum);
  const cum = s.cumulative;
  for (let j = 0; j < bounds.length; j++) {
    const c = u64(cum[j]);
    w.byte(H_BUCKET);
    w.byte(1 + varintSize(c) + 1 + 8);
    w.byte(BUCKET_COUNT);
    w.varint(c);
    w.byte(BUCKET_UPPER_BOUND);
    w.double(bounds[j]);
  }
  const native = plan.native;
  if (native) {
    w.byte(H_SCHEMA);
    w.varint(zigzag(NATIVE_SCHEMA));
    w.byte(H_ZERO_THRESHOLD);
    w.double(NATIVE_ZERO_THRESHOLD);
    w.byte(H_ZERO_COUNT);
    w.varint(u64(native.zeroCount));
    for (const [offset, length] of native.spans) {
      w.byte(H_POSITIVE_SPAN);
      w.byte(spanSize(offset, length));
      w.byte(SPAN_OFFSET);
      w.varint(zigzag(offset));
      w.byte(SPAN_LENGTH);
      w.varint(length);
    }
    for (const d of native.deltas) {
      w.byte(H_POSITIVE_DELTA);
      if (d > -EXACT_DELTA && d < EXACT_DELTA) w.varint(zigzag(d));
      else w.bigVarint(zigzagBig(d));
    }
  }
}

/** Writes a family's name, help and type fields after its length prefix. */
function writeFamilyHeader(
  w: ProtoWriter,
  name: Uint8Array,
  help: Uint8Array,
  type: number,
  metricsSize: number,
): void {
  const size = 1 + varintSize(name.length) + name.length + 1 + varintSize(help.length) +
    help.length + 2 + metricsSize;
  w.varint(size);
  w.byte(FAMILY_NAME);
  w.varint(name.length);
  w.bytes(name);
  w.byte(FAMILY_HELP);
  w.varint(help.length);
  w.bytes(help);
  w.byte(FAMILY_TYPE);
  w.byte(type);
}

/**
 * Encodes families in the order given as delimited protobuf (`MetricFamily` messages, each after
 * its varint length) into byte chunks of about `chunkSize` bytes; families with no series are
 * omitted. Each chunk is a fresh buffer the caller may keep.
 */
export function* protobufByteChunks(
  families: Iterable<MetricFamily>,
  chunkSize: number = PROTOBUF_CHUNK_SIZE,
): Generator<Uint8Array, void, undefined> {
  const w = new ProtoWriter(chunkSize);
  for (const family of families) {
    if (seriesCount(family) === 0) continue;
    const name = utf8.encode(family.name);
    const help = utf8.encode(family.help);
    if (family.type === "histogram") yield* histogramFamily(w, family, name, help, chunkSize);
    else yield* scalarFamily(w, family, name, help, chunkSize);
  }
  if (w.pos > 0) yield w.take();
}

function* scalarFamily(
  w: ProtoWriter,
  family: ScalarFamily,
  name: Uint8Array,
  help: Uint8Array,
  chunkSize: number,
): Generator<Uint8Array> {
  const valueTag = family.type === "counter" ? METRIC_COUNTER : METRIC_GAUGE;
  const columns = family.columns;
  const series = columns ? [] : family.series;
  const n = seriesCount(family);
  const { labelsOf, labelSizes } = labelFieldsOf(family);
  let metricsSize = 0;
  for (let k = 0; k < n; k++) {
    // Labels, then the value message: tag, length 9, tag, 8 bytes.
    const size = labelSizes[k] + 11;
    metricsSize += 1 + varintSize(size) + size;
  }
  writeFamilyHeader(w, name, help, TYPE_NUMBER[family.type], metricsSize);
  for (let k = 0; k < n; k++) {
    w.byte(FAMILY_METRIC);
    w.varint(labelSizes[k] + 11);
    writeLabels(w, columns, labelsOf, k, labelSizes[k]);
    w.byte(valueTag);
    w.byte(9);
    w.byte(VALUE_DOUBLE);
    w.double(columns ? columns.values[k] : series[k].value);
    if (w.pos >= chunkSize) yield w.take();
  }
}

/**
 * Each series' label fields: memoised bytes for a plain family (empty for a columnar one, whose
 * fields are written from the label table), and their sizes.
 */
function labelFieldsOf(family: MetricFamily): { labelsOf: Uint8Array[]; labelSizes: Int32Array } {
  const columns = family.columns;
  if (columns) {
    const sizes = Int32Array.from(columns.ids, (id) => columns.table.protoSize(id));
    return { labelsOf: [], labelSizes: sizes };
  }
  const labelsOf = family.series.map((s) => labelFields(s.labels));
  return { labelsOf, labelSizes: Int32Array.from(labelsOf, (l) => l.length) };
}

/** Writes series `k`'s label fields: from the label table, or its memoised bytes. */
function writeLabels(
  w: ProtoWriter,
  columns: { readonly table: LabelTable; readonly ids: Int32Array } | undefined,
  labelsOf: readonly Uint8Array[],
  k: number,
  size: number,
): void {
  if (columns) {
    w.room(size);
    w.pos = columns.table.writeProto(w.buf, w.pos, columns.ids[k]);
  } else {
    w.bytes(labelsOf[k]);
  }
}

function* histogramFamily(
  w: ProtoWriter,
  family: HistogramFamily,
  name: Uint8Array,
  help: Uint8Array,
  chunkSize: number,
): Generator<Uint8Array> {
  const { bounds } = family;
  const layout = nativeLayout(family);
  const columns = family.columns;
  const series = columns ? [] : family.series; // columnar families never build series objects
  const n = seriesCount(family);
  // Columnar families: one light view per series (histogram groups are few next to samples).
  const view = (k: number): HistogramCounts =>
    columns
      ? {
        cumulative: columns.cumulative.subarray(k * bounds.length, (k + 1) * bounds.length),
        count: columns.counts[k],
        sum: columns.sums[k],
      }
      : series[k];
  const plans: HistogramPlan[] = new Array(n);
  const { labelsOf, labelSizes } = labelFieldsOf(family);
  let metricsSize = 0;
  for (let i = 0; i < n; i++) {
    const s = view(i);
    const plan = plans[i] = planHistogram(s, bounds, layout && nativeBuckets(layout, s.cumulative));
    const size = labelSizes[i] + 1 + varintSize(plan.size) + plan.size;
    metricsSize += 1 + varintSize(size) + size;
  }
  writeFamilyHeader(w, name, help, TYPE_NUMBER.histogram, metricsSize);
  for (let i = 0; i < n; i++) {
    const s = view(i);
    const plan = plans[i];
    w.byte(FAMILY_METRIC);
    w.varint(labelSizes[i] + 1 + varintSize(plan.size) + plan.size);
    writeLabels(w, columns, labelsOf, i, labelSizes[i]);
    w.byte(METRIC_HISTOGRAM);
    w.varint(plan.size);
    writeHistogram(w, s, bounds, plan);
    if (w.pos >= chunkSize) yield w.take();
  }
}
