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

/** Writes `name ` for an empty label set, else `name{labels} ` (`open` is `name{`). */
function writeHead(w: ChunkWriter, open: Uint8Array, bare: Uint8Array, labels: Uint8Array): void {
  if (labels.length === 0) {
    w.bytes(bare);
    return;
  }
  w.bytes(open);
  w.bytes(labels);
  w.byte(CLOSE_BRACE);
  w.byte(SPACE);
}

function* scalar(
  w: ChunkWriter,
  family: ScalarFamily,
  style: ExpositionStyle,
  chunkSize: number,
): Generator<Uint8Array> {
  const open = utf8.encode(family.name + "{");
  const bare = utf8.encode(family.name + " ");
  const columns = family.columns;
  const series = columns ? [] : family.series;
  const table = columns?.table;
  const labelled = table !== undefined && table.names.length > 0;
  const n = seriesCount(family);
  for (let k = 0; k < n; k++) {
    if (labelled) {
      // Collector families: labels rendered from the label table straight into the chunk.
      const id = columns!.ids[k];
      w.room(open.length + table.textSize(id) + 2);
      w.bytes(open);
      w.pos = table.writeText(w.buf, w.pos, id);
      w.buf[w.pos++] = CLOSE_BRACE;
      w.buf[w.pos++] = SPACE;
    } else {
      writeHead(w, open, bare, table ? EMPTY : labelBytes(series[k].labels));
    }
    style.float(w, columns ? columns.values[k] : series[k].value);
    w.byte(NEWLINE);
    if (w.pos >= chunkSize) yield w.take();
  }
}

const EMPTY = new Uint8Array(0);

/** A histogram family's counts column-wise, from its columns or built from its series. */
function histogramCounts(family: HistogramFamily): Omit<HistogramColumns, "table" | "ids"> {
  if (family.columns) return family.columns;
  const width = family.bounds.length;
  const series = family.series;
  const cumulative = new Float64Array(series.length * width);
  series.forEach((s, k) => cumulative.set(s.cumulative.subarray(0, width), k * width));
  return {
    cumulative,
    counts: Float64Array.from(series, (s) => s.count),
    sums: Float64Array.from(series, (s) => s.sum),
  };
}

function* histogram(
  w: ChunkWriter,
  family: HistogramFamily,
  style: ExpositionStyle,
  chunkSize: number,
): Generator<Uint8Array> {
  const { name, bounds } = family;
  const le = bounds.map((b) => utf8.encode('le="' + style.bound(b) + '"} '));
  const width = le.length;
  const infSeen = bounds.length > 0 && bounds[bounds.length - 1] === Infinity;
  const inf = utf8.encode('le="+Inf"} ');
  const bucket = utf8.encode(name + "_bucket{");
  const sumOpen = utf8.encode(name + "_sum{");
  const countOpen = utf8.encode(name + "_count{");
  const sumBare = utf8.encode(name + "_sum ");
  const countBare = utf8.encode(name + "_count ");
  const columns = family.columns;
  const series = columns ? [] : family.series;
  const { cumulative, counts, sums } = histogramCounts(family);
  let scratch = new Uint8Array(256);
  const n = seriesCount(family);
  for (let k = 0; k < n; k++) {
    // The label set, rendered once per series and repeated on every line of it.
    let lb: Uint8Array;
    if (columns) {
      const { table, ids } = columns;
      const size = table.textSize(ids[k]);
      if (scratch.length < size) scratch = new Uint8Array(2 * size);
      lb = scratch.subarray(0, table.names.length > 0 ? table.writeText(scratch, 0, ids[k]) : 0);
    } else {
      lb = labelBytes(series[k].labels);
    }
    for (let j = 0; j <= width; j++) {
      if (j === width && infSeen) break;
      w.bytes(bucket);
      if (lb.length > 0) {
        w.bytes(lb);
        w.byte(COMMA);
      }
      w.bytes(j < width ? le[j] : inf);
      style.count(w, j < width ? cumulative[k * width + j] : counts[k]);
      w.byte(NEWLINE);
    }
    writeHead(w, sumOpen, sumBare, lb);
    style.float(w, sums[k]);
    w.byte(NEWLINE);
    writeHead(w, countOpen, countBare, lb);
    style.count(w, counts[k]);
    w.byte(NEWLINE);
    if (w.pos >= chunkSize) yield w.take();
  }
}
