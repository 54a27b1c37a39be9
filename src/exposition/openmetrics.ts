/**
 * OpenMetrics text format 1.0.0, byte for byte as the Go client's `MetricFamilyToOpenMetrics`
 * writes it (prometheus/common expfmt), plus `# UNIT` lines:
 *
 * - A counter's family name (HELP, TYPE, UNIT) drops the `_total` suffix, its samples keep it. A
 *   counter whose name does not end in `_total` is typed `unknown` (its samples unchanged), as the
 *   Go client does to stay valid OpenMetrics.
 * - `# UNIT <family> <unit>` after TYPE when the family name ends in `_<unit>` for one of
 *   Prometheus' base units ({@link OPENMETRICS_UNITS}); OpenMetrics requires the unit to be the
 *   name's suffix, so that is the only case where a unit can be declared.
 * - HELP escapes `\`, newline and `"` (the text format leaves `"` alone); label values as in the
 *   text format.
 * - Floats (counter and gauge values, `_sum`, `le`) are Go's `FormatFloat(v, 'g', -1, 64)` with
 *   `.0` appended when that has neither `.` nor `e` (`1.0`, `0.0`, `12.0`, `1e+06`, `0.001`);
 *   bucket counts and `_count` are unsigned integers (`1000000`, not `1e+06`).
 * - Histograms: `_bucket` per bound plus `le="+Inf"`, `_sum`, `_count`; no `_created` lines (the
 *   Go client writes them only with `WithCreatedLines`, and const metrics have none).
 * - The output ends with `# EOF`.
 *
 * Written straight into byte chunks with the text encoder's {@link ChunkWriter}; label sets reuse
 * its memoised UTF-8 rendering.
 * @module
 */

import type { MetricFamily } from "../metrics/family.ts";
import { formatFloat } from "./format_float.ts";
import { escapeLabelValue } from "./text.ts";
import {
  BYTE_CHUNK_SIZE,
  type ChunkWriter,
  type ExpositionStyle,
  styledByteChunks,
} from "./text_bytes.ts";

/** `Content-Type` of OpenMetrics 1.0.0 (the Go client's `FmtOpenMetrics_1_0_0`). */
export const OPENMETRICS_1_0_0_CONTENT_TYPE =
  "application/openmetrics-text; version=1.0.0; charset=utf-8";
/**
 * `Content-Type` of OpenMetrics 0.0.1 (`FmtOpenMetrics_0_0_1`), asked for by Prometheus as a
 * fallback; the body is the same as 1.0.0's, as in the Go client.
 */
export const OPENMETRICS_0_0_1_CONTENT_TYPE =
  "application/openmetrics-text; version=0.0.1; charset=utf-8";

/**
 * Units declared with `# UNIT` when a family name ends in `_<unit>`: the base units of
 * Prometheus' naming conventions.
 */
export const OPENMETRICS_UNITS: readonly string[] = [
  "seconds",
  "bytes",
  "joules",
  "grams",
  "meters",
  "ratio",
  "volts",
  "amperes",
  "celsius",
];

const utf8 = new TextEncoder();
const EOF = utf8.encode("# EOF\n");

/**
 * Formats a float as the Go client's `writeOpenMetricsFloat`.
 *
 * @example
 * ```ts
 * import { formatOpenMetricsFloat } from "./openmetrics.ts";
 * formatOpenMetricsFloat(12); // "12.0"
 * formatOpenMetricsFloat(-0); // "0.0"
 * formatOpenMetricsFloat(2e6); // "2e+06"
 * ```
 */
export function formatOpenMetricsFloat(v: number): string {
  if (v === 0) return "0.0";
  const s = formatFloat(v);
  if (v !== v || v === Infinity || v === -Infinity) return s;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 || c === 101) return s; // '.' or 'e'
  }
  return s + ".0";
}

/**
 * Formats a count as the Go client's `writeUint` (the value held as a uint64: integral, negative
 * and NaN as 0, saturated at 2^64 - 1).
 *
 * @example
 * ```ts
 * import { formatUint } from "./openmetrics.ts";
 * formatUint(1e6); // "1000000"
 * ```
 */
export function formatUint(v: number): string {
  if (!(v > 0)) return "0";
  if (v >= 2 ** 64) return "18446744073709551615";
  const u = Math.floor(v);
  return u < 2 ** 53 ? "" + u : BigInt(u).toString();
}

/**
 * The unit declared for a family: the base unit its name (without a counter's `_total`) ends in.
 *
 * @example
 * ```ts
 * import { openMetricsUnit } from "./openmetrics.ts";
 * openMetricsUnit("ebpf_exporter_io_latency_seconds"); // "seconds"
 * openMetricsUnit("ebpf_exporter_timer_starts"); // undefined
 * ```
 */
export function openMetricsUnit(familyName: string): string | undefined {
  for (const unit of OPENMETRICS_UNITS) {
    if (familyName.length > unit.length + 1 && familyName.endsWith("_" + unit)) return unit;
  }
  return undefined;
}

/** Writes a float value like {@link formatOpenMetricsFloat}, integers below 10^6 digit by digit. */
function writeFloat(w: ChunkWriter, v: number): void {
  if (v >= 1 && v < 1e6 && Math.floor(v) === v) {
    w.value(v);
    w.byte(46);
    w.byte(48);
    return;
  }
  w.ascii(formatOpenMetricsFloat(v));
}

/** Writes a count like {@link formatUint}. */
function writeUint(w: ChunkWriter, v: number): void {
  if (v >= 1 && v < 1e6 && Math.floor(v) === v) w.value(v);
  else w.ascii(formatUint(v));
}

function header(w: ChunkWriter, family: MetricFamily): void {
  const { name, type } = family;
  const counter = type === "counter";
  const total = counter && name.endsWith("_total");
  const familyName = total ? name.slice(0, -6) : name;
  const unit = openMetricsUnit(familyName);
  w.bytes(utf8.encode(
    "# HELP " + familyName + " " + escapeLabelValue(family.help) + "\n# TYPE " + familyName + " " +
      (counter && !total ? "unknown" : type) + "\n" +
      (unit === undefined ? "" : "# UNIT " + familyName + " " + unit + "\n"),
  ));
}

/** OpenMetrics 1.0.0, as the Go client writes it. */
const OPENMETRICS_STYLE: ExpositionStyle = {
  header,
  float: writeFloat,
  count: writeUint,
  bound: formatOpenMetricsFloat,
  trailer: EOF,
};

/**
 * Encodes families in the order given as OpenMetrics 1.0.0 into byte chunks of about `chunkSize`
 * bytes, ending with `# EOF`; families with no series are omitted. Each chunk is a fresh buffer.
 */
export function openMetricsByteChunks(
  families: Iterable<MetricFamily>,
  chunkSize: number = BYTE_CHUNK_SIZE,
): Generator<Uint8Array, void, undefined> {
  return styledByteChunks(families, OPENMETRICS_STYLE, chunkSize);
}

/**
 * Encodes families as one OpenMetrics string; convenient for tests and small outputs.
 *
 * @example
 * ```ts
 * import { encodeOpenMetrics } from "./openmetrics.ts";
 * encodeOpenMetrics([]); // "# EOF\n"
 * ```
 */
export function encodeOpenMetrics(families: Iterable<MetricFamily>): string {
  const decoder = new TextDecoder();
  let out = "";
  for (const chunk of openMetricsByteChunks(families)) {
    out += decoder.decode(chunk, { stream: true });
  }
  return out + decoder.decode();
}
