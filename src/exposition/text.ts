/**
 * Prometheus text exposition format 0.0.4, byte for byte as the Go client writes it.
 *
 * Output is produced as a sequence of string chunks of roughly {@link DEFAULT_CHUNK_SIZE}
 * characters so that large scrapes (100k+ series) can be streamed without building one huge
 * string, and each label set's `a="x",b="y"` fragment is rendered once and memoised in its
 * {@link LabelSet.rendered} slot.
 * @module
 */

import type { HistogramFamily, LabelSet, MetricFamily } from "../metrics/family.ts";
import { formatFloat } from "./format_float.ts";

/** The `Content-Type` of the text exposition format. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Approximate size (in UTF-16 code units) of the chunks {@link textChunks} yields. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;

const HELP_SPECIAL = /[\\\n]/;
const LABEL_SPECIAL = /[\\\n"]/;

/**
 * Escapes HELP text as the text format requires: `\` becomes `\\` and a newline becomes `\n`.
 *
 * @example
 * ```ts
 * import { escapeHelp } from "./text.ts";
 * escapeHelp("a\\b\nc"); // "a\\\\b\\nc"
 * ```
 */
export function escapeHelp(help: string): string {
  if (!HELP_SPECIAL.test(help)) return help;
  return help.replace(/[\\\n]/g, (c) => c === "\\" ? "\\\\" : "\\n");
}

/**
 * Escapes a label value: `\` becomes `\\`, `"` becomes `\"` and a newline becomes `\n`.
 *
 * @example
 * ```ts
 * import { escapeLabelValue } from "./text.ts";
 * escapeLabelValue('say "hi"'); // 'say \\"hi\\"'
 * ```
 */
export function escapeLabelValue(value: string): string {
  if (!LABEL_SPECIAL.test(value)) return value;
  return value.replace(/[\\\n"]/g, (c) => c === "\\" ? "\\\\" : c === "\n" ? "\\n" : '\\"');
}

/**
 * Returns the `a="x",b="y"` fragment of a label set (empty for no labels), memoised in the set's
 * `rendered` slot so that it is built once per set rather than once per scrape.
 *
 * @example
 * ```ts
 * import { LabelSet } from "../metrics/family.ts";
 * import { renderLabels } from "./text.ts";
 * renderLabels(LabelSet.of({ b: "2", a: "1" })); // 'a="1",b="2"'
 * ```
 */
export function renderLabels(labels: LabelSet): string {
  let r = labels.rendered;
  if (r === undefined) {
    r = "";
    const { names, values } = labels;
    for (let i = 0; i < names.length; i++) {
      if (i > 0) r += ",";
      r += names[i] + '="' + escapeLabelValue(values[i]) + '"';
    }
    labels.rendered = r;
  }
  return r;
}

/**
 * Formats a sample value (or an `le` bound) like the Go client's `writeFloat`: as
 * {@link formatFloat}, except that both zeros are written `0`.
 *
 * @example
 * ```ts
 * import { formatSampleValue } from "./text.ts";
 * formatSampleValue(-0); // "0"
 * formatSampleValue(2e6); // "2e+06"
 * ```
 */
export function formatSampleValue(v: number): string {
  return v === 0 ? "0" : formatFloat(v);
}

function header(family: MetricFamily): string {
  return "# HELP " + family.name + " " + escapeHelp(family.help) + "\n# TYPE " + family.name +
    " " + family.type + "\n";
}

/**
 * Encodes families in the order given as text format 0.0.4 and yields the output in chunks of
 * about `chunkSize` characters (the last one may be shorter; no chunk is empty). Families with no
 * series are omitted entirely, as the Go client does.
 *
 * @example
 * ```ts
 * import { LabelSet } from "../metrics/family.ts";
 * import { textChunks } from "./text.ts";
 * const fam = { name: "up", help: "Up.", type: "gauge" as const, series: [{ labels: LabelSet.EMPTY, value: 1 }] };
 * [...textChunks([fam])].join(""); // "# HELP up Up.\n# TYPE up gauge\nup 1\n"
 * ```
 */
export function* textChunks(
  families: Iterable<MetricFamily>,
  chunkSize: number = DEFAULT_CHUNK_SIZE,
): Generator<string, void, undefined> {
  let buf = "";
  for (const family of families) {
    if (family.series.length === 0) continue;
    buf += header(family);
    if (family.type === "histogram") {
      for (const part of histogramLines(family, chunkSize)) {
        buf += part;
        if (buf.length >= chunkSize) {
          yield buf;
          buf = "";
        }
      }
    } else {
      const { name, series } = family;
      const withLabels = name + "{";
      const bare = name + " ";
      for (let i = 0; i < series.length; i++) {
        const s = series[i];
        const r = renderLabels(s.labels);
        buf += (r === "" ? bare : withLabels + r + "} ") + formatSampleValue(s.value) + "\n";
        if (buf.length >= chunkSize) {
          yield buf;
          buf = "";
        }
      }
    }
  }
  if (buf.length > 0) yield buf;
}

/** Yields a histogram family's sample lines, one string per series (or per `chunkSize`). */
function* histogramLines(family: HistogramFamily, chunkSize: number): Generator<string> {
  const { name, bounds, series } = family;
  // `le="<bound>"} ` for every bound; an explicit +Inf bound replaces the implicit one.
  const leParts = bounds.map((b) => 'le="' + formatSampleValue(b) + '"} ');
  const infSeen = bounds.length > 0 && bounds[bounds.length - 1] === Infinity;
  const bucket = name + "_bucket{";
  const sumLabeled = name + "_sum{";
  const countLabeled = name + "_count{";
  const sumBare = name + "_sum ";
  const countBare = name + "_count ";
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    const r = renderLabels(s.labels);
    const prefix = r === "" ? bucket : bucket + r + ",";
    const cum = s.cumulative;
    let out = "";
    for (let j = 0; j < leParts.length; j++) {
      out += prefix + leParts[j] + formatSampleValue(cum[j]) + "\n";
      if (out.length >= chunkSize) {
        yield out;
        out = "";
      }
    }
    const count = formatSampleValue(s.count);
    if (!infSeen) out += prefix + 'le="+Inf"} ' + count + "\n";
    if (r === "") {
      out += sumBare + formatSampleValue(s.sum) + "\n" + countBare + count + "\n";
    } else {
      out += sumLabeled + r + "} " + formatSampleValue(s.sum) + "\n" + countLabeled + r + "} " +
        count + "\n";
    }
    yield out;
  }
}

/**
 * Encodes families as one string; convenient for tests and small outputs.
 *
 * @example
 * ```ts
 * import { encodeText } from "./text.ts";
 * encodeText([]); // ""
 * ```
 */
export function encodeText(families: Iterable<MetricFamily>): string {
  let out = "";
  for (const chunk of textChunks(families)) out += chunk;
  return out;
}
