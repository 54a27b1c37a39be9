import { deepEqual, equal } from "#assert";
import { negotiate, negotiateEncoding, parseAccept, parseAcceptEncoding } from "./negotiate.ts";

const TEXT = "text/plain; version=0.0.4; charset=utf-8";
const OM1 = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const OM0 = "application/openmetrics-text; version=0.0.1; charset=utf-8";
const PROTO =
  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/** [what sends it, Accept header, expected Content-Type]. */
const TABLE: [string, string | null, string][] = [
  // Prometheus 2.42 (Debian 12's), scrape.go.
  [
    "Prometheus 2.42",
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    OM1,
  ],
  [
    "Prometheus 2.42 --enable-feature=native-histograms",
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    PROTO,
  ],
  // Prometheus 3.x: acceptHeader() over DefaultScrapeProtocols, escaping on the 1.0.0 text formats.
  [
    "Prometheus 3.x default",
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
    OM1 + "; escaping=allow-utf-8",
  ],
  [
    "Prometheus 3.x scrape_native_histograms (proto first)",
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
    PROTO,
  ],
  [
    "Prometheus 3.x, metric_name_escaping_scheme: underscores",
    "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
    OM1 + "; escaping=underscores",
  ],
  [
    "Prometheus 3.0, escaping on every protocol, proto first",
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,*/*;q=0.1",
    PROTO + "; escaping=allow-utf-8",
  ],
  [
    "Prometheus 3.x scrape_protocols: [PrometheusText1.0.0, PrometheusText0.0.4]",
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4",
    // 1.0.0 is not offered; its escaping is remembered while walking on to 0.0.4, as in Go.
    TEXT + "; escaping=allow-utf-8",
  ],
  [
    "Prometheus 3.x scrape_protocols: [OpenMetricsText0.0.1]",
    "application/openmetrics-text;version=0.0.1;q=0.6,*/*;q=0.5",
    OM0,
  ],
  // q-values decide, not the order of the clauses.
  [
    "q-values: text preferred",
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.3,text/plain;version=0.0.4;q=0.7,*/*;q=0.1",
    TEXT,
  ],
  [
    "q-values: protobuf preferred (the brief's example)",
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1",
    PROTO,
  ],
  [
    "q-values: OpenMetrics without version is 0.0.1",
    "application/openmetrics-text;q=0.9,text/plain;q=0.8",
    OM0,
  ],
  ["q=0 still counts, as in goautoneg", "application/openmetrics-text;version=1.0.0;q=0", OM1],
  ["unparsable q is 0", "application/openmetrics-text;version=1.0.0;q=high,text/plain;q=0.1", TEXT],
  [
    "spaces around clauses and parameters",
    " text/plain ; version=0.0.4 ; q=0.5 , application/openmetrics-text ; version=1.0.0 ",
    OM1,
  ],
  // Wildcards and things we do not speak.
  ["curl's default", "*/*", TEXT],
  ["wildcard type", "*", TEXT],
  ["text/* does not name a version", "text/*", TEXT],
  ["browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", TEXT],
  ["unknown type", "application/json", TEXT],
  [
    "protobuf without encoding",
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily",
    TEXT,
  ],
  [
    "protobuf text encodings are not offered",
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
    TEXT,
  ],
  [
    "another protobuf message",
    "application/vnd.google.protobuf;proto=foo.Bar;encoding=delimited",
    TEXT,
  ],
  ["text of another version", "text/plain;version=0.0.5", TEXT],
  ["OpenMetrics 2.0 is not offered", "application/openmetrics-text;version=2.0.0", TEXT],
  [
    "media types are case-sensitive in goautoneg",
    "Application/OpenMetrics-Text;version=1.0.0",
    TEXT,
  ],
  ["no Accept header", null, TEXT],
  ["empty Accept header", "", TEXT],
  ["garbage", ";;,,/,a/b/c,=", TEXT],
  // Escaping.
  [
    "escaping on plain text",
    "text/plain;version=0.0.4;escaping=underscores",
    TEXT + "; escaping=underscores",
  ],
  ["escaping=dots", "text/plain;escaping=dots", TEXT + "; escaping=dots"],
  [
    "escaping=values",
    "application/openmetrics-text;version=1.0.0;escaping=values",
    OM1 + "; escaping=values",
  ],
  ["unknown escaping is ignored", "application/openmetrics-text;version=1.0.0;escaping=bogus", OM1],
  [
    "escaping from a clause after the match is not used",
    "text/plain;version=0.0.4;q=0.9,application/json;escaping=dots;q=0.5",
    TEXT,
  ],
  [
    "escaping with nothing matching: text",
    "application/json;escaping=values",
    TEXT + "; escaping=values",
  ],
];

for (const [who, accept, contentType] of TABLE) {
  Deno.test(`negotiate: ${who}`, () => {
    const chosen = negotiate(accept);
    equal(chosen.contentType, contentType);
    const format = contentType.startsWith("text/")
      ? "text"
      : contentType.startsWith("application/openmetrics")
      ? "openmetrics"
      : "protobuf";
    equal(chosen.format, format);
  });
}

Deno.test("parseAccept sorts by q, then concrete before wildcard, like goautoneg", () => {
  const order = (h: string) =>
    parseAccept(h).map((c) => `${c.type}/${c.subType};${Number(c.q.toPrecision(6))}`);
  deepEqual(order("*/*;q=0.1,text/plain;q=0.5,application/json"), [
    "application/json;1",
    "text/plain;0.5",
    "*/*;0.1",
  ]);
  // Equal q: concrete types first, otherwise the header's order (insertion sort is stable).
  deepEqual(order("*/*,text/*,text/plain,a/b"), ["text/plain;1", "a/b;1", "text/*;1", "*/*;1"]);
  // q is parsed as a float32.
  equal(parseAccept("a/b;q=0.7")[0].q, Math.fround(0.7));
  deepEqual(
    parseAccept("a/b;version=1 ;escaping= dots ")[0].params,
    new Map([["version", "1"], ["escaping", "dots"]]),
  );
});

Deno.test("parseAccept handles long headers (more than 12 clauses)", () => {
  const header = Array.from({ length: 40 }, (_, i) => `x/y${i};q=0.${i % 10}`).join(",") +
    ",text/plain;version=0.0.4;q=0.95";
  equal(parseAccept(header)[0].subType, "plain");
  equal(negotiate(header).contentType, TEXT);
});

/** [Accept-Encoding, chosen coding]. */
const ENCODINGS: [string | null, "gzip" | "identity"][] = [
  ["gzip", "gzip"], // Prometheus
  ["identity", "identity"], // Prometheus with enable_compression: false
  [null, "identity"],
  ["", "identity"],
  ["gzip, deflate, br", "gzip"], // browsers
  ["deflate, gzip, br, zstd", "gzip"], // curl --compressed
  ["br", "identity"],
  ["*", "identity"], // a tie between identity and gzip goes to identity, the first offer
  ["gzip, identity", "identity"],
  ["gzip;q=1.0, identity;q=0.5", "gzip"],
  ["gzip;q=0.5, identity;q=0.9", "identity"],
  ["gzip;q=0", "identity"],
  ["gzip;q=0.001", "gzip"],
  ["GZIP", "identity"], // tokens are compared as sent, as gddo does
  ["gzip;level=9", "identity"], // a parameter other than q ends the parse
  ["x-unknown, gzip", "gzip"],
];

for (const [header, coding] of ENCODINGS) {
  Deno.test(`negotiateEncoding: ${JSON.stringify(header)} -> ${coding}`, () => {
    equal(negotiateEncoding(header), coding);
  });
}

Deno.test("parseAcceptEncoding reads gddo's quality syntax", () => {
  deepEqual(parseAcceptEncoding("gzip;q=0.5, br ; q=1, *;q=0"), [["gzip", 0.5], ["br", 1], [
    "*",
    0,
  ]]);
  deepEqual(parseAcceptEncoding("gzip;q=2"), []);
  deepEqual(parseAcceptEncoding("gzip, ,br"), [["gzip", 1]]);
});
