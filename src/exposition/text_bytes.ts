/**
 * The text exposition written straight into byte chunks: the same bytes as {@link textChunks}
 * (which stays the readable reference implementation), without building and re-encoding strings.
 * Label sets are encoded to UTF-8 once (memoised on the set); per sample only the value is
 * formatted, integers below 10^6 digit by digit.
 * @module
 */

import {
  type HistogramColumns,
  type HistogramFamily,
  type LabelSet,
  type MetricFamily,
  type ScalarColumns,
  type ScalarFamily,
  seriesCount,
} from "../metrics/family.ts";
import { escapeHelp, formatSampleValue, renderLabels } from "./text.ts";

/** Size of the byte chunks {@link textByteChunks} yields. */
export const BYTE_CHUNK_SIZE = 64 * 1024;

const utf8 = new TextEncoder();
const NEWLINE = 10;
const SPACE = 32;
const CLOSE_BRACE = 125;
const COMMA = 44;

/** The `a="x",b="y"` fragment of a label set as UTF-8, memoised on the set (shared by the text
 * encoders: OpenMetrics escapes label values exactly as text 0.0.4 does). */
export function labelBytes(labels: LabelSet): Uint8Array {
  let b = labels.renderedBytes;
  if (b === undefined) {
    b = utf8.encode(renderLabels(labels));
    labels.renderedBytes = b;
    // Only the bytes are kept: the string form costs as much again per series and is rebuilt on
    // demand by the (test-only) string encoder.
    labels.rendered = undefined;
  }
  return b;
}

/** A growable write position over the current chunk (also used by `openmetrics.ts`). */
export class ChunkWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(readonly size: number) {
    this.buf = new Uint8Array(size + 4096);
  }

  /** Makes room for `n` more bytes (growing a chunk that must hold one long line). */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  /** Appends bytes. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    if (n > 48) {
      this.buf.set(b, this.pos);
      this.pos += n;
      return;
    }
    // Short pieces (names, label sets): a plain loop beats TypedArray.prototype.set's overhead.
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = b[i];
    this.pos = p;
  }

  /** Appends one byte. */
  byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }

  /** Writes an ASCII string (numbers) char by char. */
  ascii(s: string): void {
    this.room(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Writes a sample value exactly as `formatSampleValue` spells it. */
  value(v: number): void {
    if (v >= 1 && v < 1e6 && Math.floor(v) === v) {
      this.room(6);
      const buf = this.buf;
      let digits = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : 6;
      let p = this.pos + digits;
      this.pos = p;
      while (digits-- > 0) {
        buf[--p] = 48 + (v % 10);
        v = Math.floor(v / 10);
      }
      return;
    }
    if (v === 0) {
      this.byte(48);
      return;
    }
    this.ascii(formatSampleValue(v));
  }

  /** Hands out the bytes written so far and starts a new chunk. */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.buf = new Uint8Array(this.size + 4096);
    this.pos = 0;
    return out;
  }
}

/**
 * What differs between the text formats that share this writer: the family header, how values
 * and bucket bounds are spelled, and a trailer (OpenMetrics' `# EOF`).
 */
export interface ExpositionStyle {
  /** Writes a family's `# HELP` / `# TYPE` (/ `# UNIT`) lines. */
  header(w: ChunkWriter, family: MetricFamily): void;
  /** Writes a counter or gauge value, or a histogram's sum. */
  float(w: ChunkWriter, v: number): void;
  /** Writes a bucket count or a histogram's count. */
  count(w: ChunkWriter, v: number): void;
  /** Spells a bucket bound for `le="..."`. */
  bound(b: number): string;
  /** Bytes written after the last family (always yielded, even with no families). */
  readonly trailer?: Uint8Array;
}

/** Text format 0.0.4, as the Go client writes it. */
const TEXT_STYLE: ExpositionStyle = {
  header(w, family) {
    w.bytes(utf8.encode(
      "# HELP " + family.name + " " + escapeHelp(family.help) + "\n# TYPE " + family.name + " " +
        family.type + "\n",
    ));
  },
  float: (w, v) => w.value(v),
  count: (w, v) => w.value(v),
  bound: formatSampleValue,
};

/**
 * Encodes families in the order given as text format 0.0.4 into byte chunks of about
 * `chunkSize` bytes; families with no series are omitted. Each chunk is a fresh buffer the
 * caller may keep.
 */
export function textByteChunks(
  families: Iterable<MetricFamily>,
  chunkSize: number = BYTE_CHUNK_SIZE,
): Generator<Uint8Array, void, undefined> {
  return styledByteChunks(families, TEXT_STYLE, chunkSize);
}

/** Encodes families in `style` into byte chunks of about `chunkSize` bytes. */
export function* styledByteChunks(
  families: Iterable<MetricFamily>,
  style: ExpositionStyle,
  chunkSize: number = BYTE_CHUNK_SIZE,
): Generator<Uint8Array, void, undefined> {
  const w = new ChunkWriter(chunkSize);
  for (const family of families) {
    if (seriesCount(family) === 0) continue;
    style.header(w, family);
    if (family.type === "histogram") {
      yield* histogram(w, family, style, chunkSize);
    } else {
      yield* scalar(w, family, style, chunkSize);
    }
  }
  if (style.trailer) w.bytes(style.trailer);
  if (w.pos > 0) yield w.take();
}

function* scalar(
  w: ChunkWriter,
  family: ScalarFamily,
  style: ExpositionStyle,
  chunkSize: number,
): Generator<Uint8Array> {
  const open = utf8.encode(family.name + "{");
  const bare = utf8.encode(family.name + " ");
  if (family.columns) {
    yield* scalarColumns(w, family.columns, open, bare, style, chunkSize);
    return;
  }
  const series = family.series;
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    const lb = labelBytes(s.labels);
    if (lb.length === 0) {
      w.bytes(bare);
    } else {
      w.bytes(open);
      w.bytes(lb);
      w.byte(CLOSE_BRACE);
      w.byte(SPACE);
    }
    style.float(w, s.value);
    w.byte(NEWLINE);
    if (w.pos >= chunkSize) yield w.take();
  }
}

function* histogram(
  w: ChunkWriter,
  family: HistogramFamily,
  style: ExpositionStyle,
  chunkSize: number,
): Generator<Uint8Array> {
  const { name, bounds } = family;
  const le = bounds.map((b) => utf8.encode('le="' + style.bound(b) + '"} '));
  const infSeen = bounds.length > 0 && bounds[bounds.length - 1] === Infinity;
  const inf = utf8.encode('le="+Inf"} ');
  const bucket = utf8.encode(name + "_bucket{");
  const sumOpen = utf8.encode(name + "_sum{");
  const countOpen = utf8.encode(name + "_count{");
  const sumBare = utf8.encode(name + "_sum ");
  const countBare = utf8.encode(name + "_count ");
  if (family.columns) {
    const heads = { le, inf, infSeen, bucket, sumOpen, countOpen, sumBare, countBare };
    yield* histogramColumns(w, family.columns, heads, style, chunkSize);
    return;
  }
  const series = family.series;
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    const lb = labelBytes(s.labels);
    const cum = s.cumulative;
    for (let j = 0; j <= le.length; j++) {
      if (j === le.length && infSeen) break;
      w.bytes(bucket);
      if (lb.length > 0) {
        w.bytes(lb);
        w.byte(COMMA);
      }
      w.bytes(j < le.length ? le[j] : inf);
      style.count(w, j < le.length ? cum[j] : s.count);
      w.byte(NEWLINE);
    }
    if (lb.length === 0) {
      w.bytes(sumBare);
    } else {
      w.bytes(sumOpen);
      w.bytes(lb);
      w.byte(CLOSE_BRACE);
      w.byte(SPACE);
    }
    style.float(w, s.sum);
    w.byte(NEWLINE);
    if (lb.length === 0) {
      w.bytes(countBare);
    } else {
      w.bytes(countOpen);
      w.bytes(lb);
      w.byte(CLOSE_BRACE);
      w.byte(SPACE);
    }
    style.count(w, s.count);
    w.byte(NEWLINE);
    if (w.pos >= chunkSize) yield w.take();
  }
}

/** Scalar series straight from a collector's columns: labels rendered from the label table. */
function* scalarColumns(
  w: ChunkWriter,
  columns: ScalarColumns,
  open: Uint8Array,
  bare: Uint8Array,
  style: ExpositionStyle,
  chunkSize: number,
): Generator<Uint8Array> {
  const { table, ids, values } = columns;
  const labelled = table.names.length > 0;
  for (let k = 0; k < ids.length; k++) {
    if (labelled) {
      const id = ids[k];
      w.room(open.length + table.textSize(id) + 2);
      w.bytes(open);
      w.pos = table.writeText(w.buf, w.pos, id);
      w.buf[w.pos++] = CLOSE_BRACE;
      w.buf[w.pos++] = SPACE;
    } else {
      w.bytes(bare);
    }
    style.float(w, values[k]);
    w.byte(NEWLINE);
    if (w.pos >= chunkSize) yield w.take();
  }
}

/** The pre-encoded pieces of a histogram family's lines. */
interface HistogramHeads {
  readonly le: readonly Uint8Array[];
  readonly inf: Uint8Array;
  readonly infSeen: boolean;
  readonly bucket: Uint8Array;
  readonly sumOpen: Uint8Array;
  readonly countOpen: Uint8Array;
  readonly sumBare: Uint8Array;
  readonly countBare: Uint8Array;
}

/** Histogram series from a collector's columns; each label set is rendered once per series. */
function* histogramColumns(
  w: ChunkWriter,
  columns: HistogramColumns,
  heads: HistogramHeads,
  style: ExpositionStyle,
  chunkSize: number,
): Generator<Uint8Array> {
  const { table, ids, cumulative, counts, sums } = columns;
  const { le, inf, infSeen } = heads;
  const width = le.length;
  let scratch = new Uint8Array(256);
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    let lb = scratch.subarray(0, 0);
    if (table.names.length > 0) {
      const size = table.textSize(id);
      if (scratch.length < size) scratch = new Uint8Array(2 * size);
      lb = scratch.subarray(0, table.writeText(scratch, 0, id));
    }
    for (let j = 0; j <= width; j++) {
      if (j === width && infSeen) break;
      w.bytes(heads.bucket);
      if (lb.length > 0) {
        w.bytes(lb);
        w.byte(COMMA);
      }
      w.bytes(j < width ? le[j] : inf);
      style.count(w, j < width ? cumulative[k * width + j] : counts[k]);
      w.byte(NEWLINE);
    }
    if (lb.length === 0) {
      w.bytes(heads.sumBare);
    } else {
      w.bytes(heads.sumOpen);
      w.bytes(lb);
      w.byte(CLOSE_BRACE);
      w.byte(SPACE);
    }
    style.float(w, sums[k]);
    w.byte(NEWLINE);
    if (lb.length === 0) {
      w.bytes(heads.countBare);
    } else {
      w.bytes(heads.countOpen);
      w.bytes(lb);
      w.byte(CLOSE_BRACE);
      w.byte(SPACE);
    }
    style.count(w, counts[k]);
    w.byte(NEWLINE);
    if (w.pos >= chunkSize) yield w.take();
  }
}
