/**
 * Content negotiation on the metrics path, as the Go client (prometheus/common `expfmt`,
 * client_golang `promhttp` with OpenMetrics enabled) does it:
 *
 * **Format** (`Accept`): the header is parsed like `goautoneg.ParseAccept` (comma-separated
 * clauses, `;`-separated parameters, `q` parsed as a float32, 1 when absent, 0 when unparsable;
 * clauses sorted by q, then concrete types before `*`) and each clause in turn is matched against
 * the formats offered, in this order of preference (`expfmt.NegotiateAccept`):
 *
 * 1. `application/openmetrics-text; version=1.0.0`
 * 2. `application/openmetrics-text; version=0.0.1` (a clause without version means 0.0.1)
 * 3. `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`
 * 4. `text/plain; version=0.0.4` (a clause without version means 0.0.4)
 *
 * A clause matches a format when its type and subtype are equal or `*` and every parameter of the
 * format but `charset` is equal (so a bare wildcard clause, which has no parameters, matches
 * none, and neither does `text/plain;version=1.0.0`). The first clause that matches decides; with none, text 0.0.4. The protobuf text
 * encodings (`encoding=text|compact-text`) are not offered.
 *
 * **Escaping** (Prometheus 3.x): a clause's `escaping=` parameter, when it is one of `allow-utf-8`,
 * `underscores`, `dots`, `values`, is remembered as the clauses are walked (the last valid one seen
 * up to and including the matching clause wins, as in the Go client) and echoed in the
 * Content-Type as `; escaping=<scheme>`. Unlike the current Go client, nothing is appended when no
 * clause asked, so scrapers that never send the parameter get the classic Content-Type. Every name
 * the exporter writes is a valid legacy name (configs are checked), so no scheme changes a byte.
 *
 * **Compression** (`Accept-Encoding`): gddo's `NegotiateContentEncoding` over the offers
 * `identity`, `gzip` (client_golang's defaults): the offer with the highest q wins, the earlier
 * offer on a tie, `*` matching any; gzip only when it beats identity (`gzip` alone, as Prometheus
 * sends it, does).
 * @module
 */

import { OPENMETRICS_0_0_1_CONTENT_TYPE, OPENMETRICS_1_0_0_CONTENT_TYPE } from "./openmetrics.ts";
import { PROTOBUF_CONTENT_TYPE } from "./protobuf_bytes.ts";
import { TEXT_CONTENT_TYPE } from "./text.ts";

/** The exposition formats the metrics path speaks. */
export type ExpositionFormat = "text" | "openmetrics" | "protobuf";

/** One clause of an `Accept` header, as `goautoneg` parses it. */
export interface AcceptClause {
  /** Media type, e.g. `text` (as sent: not lowercased). */
  readonly type: string;
  /** Media subtype, e.g. `plain`. */
  readonly subType: string;
  /** Quality, rounded to float32 like Go's `ParseFloat(s, 32)`. */
  readonly q: number;
  /** Parameters other than `q`, trimmed of spaces. */
  readonly params: ReadonlyMap<string, string>;
}

/** What {@link negotiate} chose. */
export interface Negotiated {
  /** The format to encode. */
  readonly format: ExpositionFormat;
  /** The exact `Content-Type` to answer with. */
  readonly contentType: string;
}

/** Escaping schemes accepted in the `escaping=` parameter (prometheus/common `model`). */
export const ESCAPING_SCHEMES: readonly string[] = ["allow-utf-8", "underscores", "dots", "values"];

interface Offer {
  readonly format: ExpositionFormat;
  readonly contentType: string;
  readonly type: string;
  readonly subType: string;
  /** Parameters a clause must carry (besides charset, which is not compared). */
  readonly params: readonly (readonly [string, string])[];
}

const OFFERS: readonly Offer[] = [
  {
    format: "openmetrics",
    contentType: OPENMETRICS_1_0_0_CONTENT_TYPE,
    type: "application",
    subType: "openmetrics-text",
    params: [["version", "1.0.0"]],
  },
  {
    format: "openmetrics",
    contentType: OPENMETRICS_0_0_1_CONTENT_TYPE,
    type: "application",
    subType: "openmetrics-text",
    params: [["version", "0.0.1"]],
  },
  {
    format: "protobuf",
    contentType: PROTOBUF_CONTENT_TYPE,
    type: "application",
    subType: "vnd.google.protobuf",
    params: [["proto", "io.prometheus.client.MetricFamily"], ["encoding", "delimited"]],
  },
  {
    format: "text",
    contentType: TEXT_CONTENT_TYPE,
    type: "text",
    subType: "plain",
    params: [["version", "0.0.4"]],
  },
];

const TEXT_OFFER = OFFERS[3];

/** Go's `strconv.ParseFloat(s, 32)` as goautoneg uses it: the value, or 0 when unparsable. */
function parseQ(s: string): number {
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return Math.fround(Number(s));
  const lower = s.toLowerCase();
  if (/^[+-]?(?:inf|infinity)$/.test(lower)) return lower.startsWith("-") ? -Infinity : Infinity;
  if (lower === "nan") return NaN;
  return 0;
}

/** goautoneg's `Less`: by q, then a concrete type or subtype before a wildcard. */
function less(a: AcceptClause, b: AcceptClause): boolean {
  if (a.q > b.q) return true;
  if (a.type !== "*" && b.type === "*") return true;
  if (a.subType !== "*" && b.subType === "*") return true;
  return false;
}

function trimSpaces(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 32) start++;
  while (end > start && s.charCodeAt(end - 1) === 32) end--;
  return s.slice(start, end);
}

/**
 * Parses an `Accept` header into clauses in the order goautoneg's `ParseAccept` returns them.
 *
 * Go sorts them with `sort.Sort`, whose algorithm for up to 12 elements is an insertion sort; that
 * is done here exactly. Longer headers are sorted stably by the same rule (Go's pattern-defeating
 * quicksort may order equal clauses differently there).
 *
 * @example
 * ```ts
 * import { parseAccept } from "./negotiate.ts";
 * parseAccept("text/plain;q=0.5,application/json").map((c) => c.subType); // ["json", "plain"]
 * ```
 */
export function parseAccept(header: string): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  for (const raw of header.split(",")) {
    const part = trimSpaces(raw);
    const mrp = part.split(";");
    const sp = mrp[0].split("/");
    const type = trimSpaces(sp[0]);
    let subType: string;
    if (sp.length === 1 && type === "*") subType = "*";
    else if (sp.length === 2) subType = trimSpaces(sp[1]);
    else continue;
    let q = 1;
    const params = new Map<string, string>();
    for (let i = 1; i < mrp.length; i++) {
      const eq = mrp[i].indexOf("=");
      if (eq < 0) continue;
      const token = trimSpaces(mrp[i].slice(0, eq));
      const value = mrp[i].slice(eq + 1);
      if (token === "q") q = parseQ(value);
      else params.set(token, trimSpaces(value));
    }
    clauses.push({ type, subType, q, params });
  }
  if (clauses.length <= 12) {
    for (let i = 1; i < clauses.length; i++) {
      for (let j = i; j > 0 && less(clauses[j], clauses[j - 1]); j--) {
        [clauses[j], clauses[j - 1]] = [clauses[j - 1], clauses[j]];
      }
    }
  } else {
    clauses.sort((a, b) => less(a, b) ? -1 : less(b, a) ? 1 : 0);
  }
  return clauses;
}

/** expfmt's `matchFormat`: does an Accept clause match an offered format? */
function matches(clause: AcceptClause, offer: Offer): boolean {
  if (clause.type !== "*" && clause.type !== offer.type) return false;
  if (clause.subType !== "*" && clause.subType !== offer.subType) return false;
  let version = clause.params.get("version") ?? "";
  if (version === "") {
    if (clause.type === "application" && clause.subType === "openmetrics-text") version = "0.0.1";
    else if (clause.type === "text" && clause.subType === "plain") version = "0.0.4";
  }
  for (const [key, want] of offer.params) {
    const got = key === "version" ? version : clause.params.get(key) ?? "";
    if (got !== want) return false;
  }
  return true;
}

/**
 * Chooses the exposition format and Content-Type for an `Accept` header (null: none sent).
 *
 * @example
 * ```ts
 * import { negotiate } from "./negotiate.ts";
 * negotiate("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6");
 * // { format: "openmetrics",
 * //   contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8" }
 * negotiate(null); // { format: "text", contentType: "text/plain; version=0.0.4; charset=utf-8" }
 * ```
 */
export function negotiate(accept: string | null): Negotiated {
  let escaping = "";
  if (accept) {
    for (const clause of parseAccept(accept)) {
      const scheme = clause.params.get("escaping");
      if (scheme !== undefined && ESCAPING_SCHEMES.includes(scheme)) {
        escaping = "; escaping=" + scheme;
      }
      for (const offer of OFFERS) {
        if (matches(clause, offer)) {
          return { format: offer.format, contentType: offer.contentType + escaping };
        }
      }
    }
  }
  return { format: TEXT_OFFER.format, contentType: TEXT_OFFER.contentType + escaping };
}

/** gddo's `expectQuality`: `0`, `1`, or either followed by `.` and digits; -1 when malformed. */
function expectQuality(s: string): [number, string] {
  let q: number;
  if (s.startsWith("0")) q = 0;
  else if (s.startsWith("1")) q = 1;
  else return [-1, ""];
  s = s.slice(1);
  if (!s.startsWith(".")) return [q, s];
  s = s.slice(1);
  let i = 0;
  let n = 0;
  let d = 1;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + c - 48;
    d *= 10;
  }
  return [q + n / d, s.slice(i)];
}

/** RFC 7230 token characters, plus `/` (gddo's `expectTokenSlash`). */
const TOKEN_SLASH = /^[!#$%&'*+\-.^_`|~0-9A-Za-z/]+/;

function skipSpace(s: string): string {
  return s.replace(/^[ \t]+/, "");
}

/** Parses `Accept-Encoding` like gddo's `header.ParseAccept`: `[value, q]` pairs. */
export function parseAcceptEncoding(header: string): [string, number][] {
  const specs: [string, number][] = [];
  let s = header;
  for (;;) {
    const m = TOKEN_SLASH.exec(s);
    if (!m) break;
    const value = m[0];
    s = skipSpace(s.slice(value.length));
    let q = 1;
    if (s.startsWith(";")) {
      s = skipSpace(s.slice(1));
      if (!s.startsWith("q=")) break;
      [q, s] = expectQuality(s.slice(2));
      if (q < 0) break;
    }
    specs.push([value, q]);
    s = skipSpace(s);
    if (!s.startsWith(",")) break;
    s = skipSpace(s.slice(1));
  }
  return specs;
}

/** Content codings the handler offers, in preference order on a tie (client_golang's defaults). */
const ENCODING_OFFERS = ["identity", "gzip"] as const;

/**
 * Chooses the response's content coding for an `Accept-Encoding` header (null: none sent).
 *
 * @example
 * ```ts
 * import { negotiateEncoding } from "./negotiate.ts";
 * negotiateEncoding("gzip"); // "gzip"
 * negotiateEncoding("gzip, identity"); // "identity": a tie goes to the first offer
 * negotiateEncoding(null); // "identity"
 * ```
 */
export function negotiateEncoding(acceptEncoding: string | null): "identity" | "gzip" {
  if (!acceptEncoding) return "identity";
  const specs = parseAcceptEncoding(acceptEncoding);
  let best: "identity" | "gzip" = "identity";
  let bestQ = -1;
  for (const offer of ENCODING_OFFERS) {
    for (const [value, q] of specs) {
      if (q > bestQ && (value === "*" || value === offer)) {
        bestQ = q;
        best = offer;
      }
    }
  }
  // Go answers "" when the best is q=0 and then falls back to identity.
  return bestQ === 0 ? "identity" : best;
}
